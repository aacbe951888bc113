package refiners.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar, redrawn in place on a terminal (one line per update otherwise): label [####----] 3/10 ... */
public final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final boolean terminal = System.console() != null;
    private boolean shown;

    public ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label;
    }

    public void update(int done, int total, double elapsedSeconds) {
        update(done, total, elapsedSeconds, "");
    }

    /** With {@code detail} after the times (e.g. the loss and learning rate of a training step). */
    public void update(int done, int total, double elapsedSeconds, String detail) {
        int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * done / total);
        double eta = done == 0 ? 0 : elapsedSeconds / done * (total - done);
        String line = String.format(Locale.ROOT, "%s [%s%s] %d/%d  %.1f s elapsed, ~%.1f s left%s", label, "#".repeat(filled), "-".repeat(WIDTH - filled),
                done, total, elapsedSeconds, eta, detail.isEmpty() ? "" : "  " + detail);
        out.print(terminal ? "\r" + line : line + "\n");
        out.flush();
        shown = true;
    }

    /** Ends the line after the last update. */
    public void done() {
        if (shown && terminal) out.println();
    }
}

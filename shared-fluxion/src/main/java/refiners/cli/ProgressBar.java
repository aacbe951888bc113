package refiners.cli;

import java.io.PrintStream;

/** A one-line progress bar on a terminal (or one line per update when output is not a terminal). */
public final class ProgressBar {
    private final PrintStream out;
    private final boolean terminal = System.console() != null;

    public ProgressBar(PrintStream out) {
        this.out = out;
    }

    public void update(String label, int done, int total, double elapsedSeconds) {
        int width = 30, filled = total == 0 ? width : done * width / total;
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        double eta = done == 0 ? 0 : elapsedSeconds / done * (total - done);
        String line = String.format("%s [%s] %d/%d  %.1fs elapsed, ~%.1fs left", label, bar, done, total, elapsedSeconds, eta);
        if (terminal) {
            out.print("\r" + line);
            if (done == total) out.println();
        } else {
            out.println(line);
        }
        out.flush();
    }
}

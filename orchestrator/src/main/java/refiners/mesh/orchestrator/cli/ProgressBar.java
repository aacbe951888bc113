package refiners.mesh.orchestrator.cli;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress bar redrawn in place: [#######-------] step/total elapsed. */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private boolean shown;

    ProgressBar(PrintStream out) {
        this.out = out;
    }

    void show(int step, int total, double elapsedSeconds) {
        int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * step / total);
        out.printf(Locale.ROOT, "\r[%s%s] step %d/%d  %.1f s", "#".repeat(filled), "-".repeat(WIDTH - filled), step, total, elapsedSeconds);
        out.flush();
        shown = true;
    }

    void done() {
        if (shown) out.println();
    }
}

package refiners.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of this process (Linux /proc), for memory benchmarks. */
public final class Rss {
    private Rss() {}

    /** Total resident memory. */
    public static long bytes() {
        return field("VmRSS:");
    }

    /** The largest resident set size this process has had (VmHWM). */
    public static long peak() {
        return field("VmHWM:");
    }

    /** Resident anonymous memory: what this process alone owns (heap, native buffers, copies of weights). */
    public static long anonymous() {
        return field("RssAnon:");
    }

    /** Resident file-backed memory: mapped weight files, shared with every process mapping them, evictable. */
    public static long fileBacked() {
        return field("RssFile:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: unknown
        }
        return -1;
    }

    /** "total (anon A, file F)". */
    public static String summary() {
        return mib(bytes()) + " (anon " + mib(anonymous()) + ", file " + mib(fileBacked()) + ")";
    }

    public static String mib(long bytes) {
        return String.format("%.0f MiB", bytes / (1024.0 * 1024));
    }
}

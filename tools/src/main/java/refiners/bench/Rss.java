package refiners.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of a process (Linux /proc), for memory benchmarks: this one, or another by its pid. */
public final class Rss {
    private static final java.util.regex.Pattern MAPPING = java.util.regex.Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

    private Rss() {}

    /** Resident bytes: in all, anonymous (what the process alone owns: heap, native buffers, copies of weights), file-backed (mapped weight files, shared and evictable). -1: unknown. */
    public record Usage(long total, long anonymous, long fileBacked) {
        /** "total (anon A, file F)". */
        public String summary() {
            return mib(total) + " (anon " + mib(anonymous) + ", file " + mib(fileBacked) + ")";
        }
    }

    public static Usage of(long pid) {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        return new Usage(field(status, "VmRSS:"), field(status, "RssAnon:"), field(status, "RssFile:"));
    }

    public static Usage self() {
        return of(ProcessHandle.current().pid());
    }

    /** Total resident memory of this process. */
    public static long bytes() {
        return self().total();
    }

    /** The largest resident set size this process has had (VmHWM). */
    public static long peak() {
        return peak(ProcessHandle.current().pid());
    }

    /** The same for another process. */
    public static long peak(long pid) {
        return field(Path.of("/proc", Long.toString(pid), "status"), "VmHWM:");
    }

    public static long anonymous() {
        return self().anonymous();
    }

    public static long fileBacked() {
        return self().fileBacked();
    }

    public static String summary() {
        return self().summary();
    }

    private static long field(Path status, String name) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(name)) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone: unknown
        }
        return -1;
    }

    /** Resident bytes of this process's mappings of these files (weights ONNX Runtime or we mapped), from smaps. */
    public static long mapped(java.util.Collection<Path> files) {
        return mapped(ProcessHandle.current().pid(), files);
    }

    /** The same for another process. */
    public static long mapped(long pid, java.util.Collection<Path> files) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Path f : files) names.add(f.toAbsolutePath().normalize().toString());
        long total = 0;
        boolean counting = false;
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
                if (MAPPING.matcher(line).lookingAt()) {
                    int slash = line.indexOf('/');
                    counting = slash >= 0 && names.contains(line.substring(slash).replace(" (deleted)", ""));
                } else if (counting && line.startsWith("Rss:")) {
                    total += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return total;
    }

    public static String mib(long bytes) {
        return String.format("%.0f MiB", bytes / (1024.0 * 1024));
    }
}

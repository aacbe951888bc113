package refiners.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of this process (Linux /proc), for memory benchmarks. */
public final class Rss {
    private static final java.util.regex.Pattern MAPPING = java.util.regex.Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

    private Rss() {}

    /** Total resident memory. */
    public static long bytes() {
        return field("VmRSS:");
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

    /** Resident bytes of this process's mappings of these files (weights ONNX Runtime or we mapped), from smaps. */
    public static long mapped(java.util.Collection<Path> files) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Path f : files) names.add(f.toAbsolutePath().normalize().toString());
        long total = 0;
        boolean counting = false;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
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

    /** "total (anon A, file F)". */
    public static String summary() {
        return mib(bytes()) + " (anon " + mib(anonymous()) + ", file " + mib(fileBacked()) + ")";
    }

    public static String mib(long bytes) {
        return String.format("%.0f MiB", bytes / (1024.0 * 1024));
    }
}

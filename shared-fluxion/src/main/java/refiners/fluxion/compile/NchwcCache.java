package refiners.fluxion.compile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensors;

/**
 * Where blocked convolution weights (see NchwcWeights) live. Beside the weights when `convert` wrote them there
 * (FILE.nchwc-bB/, e.g. on a read-only models volume: nothing is computed at start); else in the cache,
 * nchwc-v2/bB/FINGERPRINT/ (one directory per weight file's content, so hard links and copies of a file share it),
 * which is bounded: at most {@link DetInit#cacheLimit()} bytes, the least recently used directories removed first
 * (never one this process uses; a process still mapping a removed file keeps it), and copies of weight files that
 * are gone or rewritten removed when another is made. Each directory's "source" file records the fingerprint and the
 * weight files last using it; its modification time is the directory's last use.
 */
public final class NchwcCache {
    /** A directory of blocked copies: its weight file (as last recorded), bytes on disk, last use. */
    public record Copy(Path dir, String source, long bytes, FileTime lastUse) {}

    private static final String SOURCE = "source";
    /** Paths a record keeps: hard links of one file in several folders (tests link the detinit files) share a copy. */
    private static final int MAX_PATHS = 16;
    /** Bytes this process may write between two checks of the limit. */
    private static final long CHECK_EVERY = 512L << 20;
    private static final Set<Path> USED = ConcurrentHashMap.newKeySet();
    private static final AtomicLong WRITTEN = new AtomicLong();

    private NchwcCache() {}

    public static Path root() {
        return DetInit.cacheDirectory().resolve("nchwc-v2");
    }

    /** The directory `convert` writes beside {@code weights}, if it is there and copies this very file. */
    static Optional<Path> besideCopy(Path weights, int block, String fingerprint) {
        Path dir = weights.resolveSibling(weights.getFileName() + ".nchwc-b" + block);
        try {
            return Files.isRegularFile(dir.resolve(SOURCE)) && fingerprint.equals(recorded(dir).get(0)) ? Optional.of(dir) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The cache directory of a weight file: on its first use in this process created if needed, its use recorded
     * (which makes it the most recent), stale copies removed and the cache brought under its limit.
     */
    static Path directory(Path weights, int block, String fingerprint) throws IOException {
        Path dir = root().resolve("b" + block).resolve(fingerprint);
        if (USED.add(dir)) {
            Files.createDirectories(dir);
            List<String> record = new ArrayList<>(List.of(fingerprint));
            try {
                recorded(dir).stream().skip(1).filter(p -> !p.equals(weights.toAbsolutePath().toString())).forEach(record::add);
            } catch (IOException e) {
                // a new directory
            }
            record.add(1, weights.toAbsolutePath().toString());
            Files.write(dir.resolve(SOURCE), record.subList(0, Math.min(record.size(), 1 + MAX_PATHS)));
            prune(DetInit.cacheLimit());
        }
        return dir;
    }

    /**
     * The cache directory of a weight file, for other copies derived from it on this CPU (ONNX Runtime's prepacked
     * GEMM weights): kept, counted and evicted with its blocked convolution weights.
     */
    public static Path directory(Path weights, int block) throws IOException {
        return directory(weights, block, WeightFingerprint.of(weights));
    }

    /** Counts bytes written into the cache, checking its limit every few hundred MiB. */
    public static void written(long bytes) {
        long before = WRITTEN.getAndAdd(bytes);
        if (before / CHECK_EVERY != (before + bytes) / CHECK_EVERY) prune(DetInit.cacheLimit());
    }

    /**
     * Writes the blocked copies of every convolution weight of a safetensors file beside it (FILE.nchwc-bB/), where
     * runtimes on CPUs with that block size map them instead of computing them; the bytes written.
     */
    public static long writeBeside(Path weights, int block) throws IOException {
        Path dir = weights.resolveSibling(weights.getFileName() + ".nchwc-b" + block);
        long bytes = 0;
        try (SafeTensors st = SafeTensors.open(weights)) {
            for (String key : st.keys()) {
                Tensor w = st.get(key);
                if (NchwcWeights.supports(w, block)) bytes += NchwcWeights.write(w, block, dir.resolve(NchwcWeights.name(w)));
            }
        }
        // written last: a directory without it (an interrupted convert) is never used
        if (bytes > 0) Files.write(dir.resolve(SOURCE), List.of(WeightFingerprint.of(weights), weights.getFileName().toString()));
        return bytes;
    }

    /** The cache's directories, least recently used first. */
    public static List<Copy> copies() {
        List<Copy> out = new ArrayList<>();
        try (Stream<Path> blocks = Files.list(root())) {
            for (Path b : blocks.toList())
                try (Stream<Path> dirs = Files.list(b)) {
                    for (Path d : dirs.toList()) out.add(describe(d));
                }
        } catch (IOException | UncheckedIOException e) {
            // no cache yet, or one being pruned by another process: what was listed
        }
        out.sort(Comparator.comparing(Copy::lastUse));
        return out;
    }

    /**
     * Removes the copies of weight files that are gone or changed, then the least recently used copies until the
     * cache holds at most {@code maxBytes} (those this process uses stay, still mapped where they were removed as
     * stale); the copies removed.
     */
    public static synchronized List<Copy> prune(long maxBytes) {
        List<Copy> all = copies(), removed = new ArrayList<>();
        long total = all.stream().mapToLong(Copy::bytes).sum();
        for (Copy c : all) {
            if (current(c.dir()) && (total <= maxBytes || USED.contains(c.dir()))) continue;
            delete(c.dir());
            removed.add(c);
            total -= c.bytes();
        }
        return removed;
    }

    private static Copy describe(Path dir) throws IOException {
        long bytes = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) bytes += Files.size(f);
        }
        Path record = dir.resolve(SOURCE);
        boolean known = Files.isRegularFile(record);
        return new Copy(dir, known ? recorded(dir).get(1) : "?", bytes, Files.getLastModifiedTime(known ? record : dir));
    }

    /** Whether one of the weight files a directory records still exists with the same content. */
    private static boolean current(Path dir) {
        try {
            List<String> r = recorded(dir);
            for (String path : r.subList(1, r.size()))
                if (Files.isRegularFile(Path.of(path)) && r.get(0).equals(WeightFingerprint.of(Path.of(path)))) return true;
        } catch (IOException | RuntimeException e) {
            // unreadable, or no record (an interrupted write)
        }
        return false;
    }

    /** A directory's record: the fingerprint, then the weight files last using it (most recent first). */
    private static List<String> recorded(Path dir) throws IOException {
        List<String> r = Files.readAllLines(dir.resolve(SOURCE));
        if (r.size() < 2) throw new IOException("not a record: " + dir.resolve(SOURCE));
        return r;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        } catch (IOException | UncheckedIOException e) {
            // another process is pruning it too: it will finish
        }
    }
}

package refiners.fluxion;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsException;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * detinit v1: deterministic, key-derived weights, bit-exact with the oracle's generator (see shared/oracle/README.md).
 * Each element is a SplitMix64-style hash of (FNV-1a-64(key) XOR seed, index), mapped to [-1, 1) and scaled.
 */
public final class DetInit {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final int CHUNK = 1 << 20;

    private DetInit() {}

    public static long fnv1a64(String key) {
        long h = FNV_OFFSET;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= FNV_PRIME;
        }
        return h;
    }

    /** The v1 rule for parameters: fan-in scaling for matrices, 1 ± 0.1 for 1-D weights, ±0.02 otherwise. */
    public static double[] centerScale(String key, long[] shape) {
        if (shape.length >= 2) {
            long fanIn = 1;
            for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
            return new double[] {0.0, Math.sqrt(3.0 / fanIn)};
        }
        if (shape.length == 1 && key.endsWith("weight")) return new double[] {1.0, 0.1};
        return new double[] {0.0, 0.02};
    }

    /** A parameter tensor following the v1 center/scale rule. */
    public static Tensor tensor(String key, long[] shape, long seed) {
        double[] cs = centerScale(key, shape);
        return tensor(key, shape, seed, cs[0], cs[1]);
    }

    /** A tensor with an explicit center and scale (test inputs use pseudo-keys such as "input:x"). */
    public static Tensor tensor(String key, long[] shape, long seed, double center, double scale) {
        long n = Tensor.numel(shape);
        ByteBuffer buf = Tensor.allocate(4 * n);
        fill(key, seed, center, scale, buf, n);
        return new Tensor(DType.F32, shape, buf);
    }

    /** The float32 value of element i (exposed for tests and for generators that write their own layout). */
    public static float value(long state, long i, double center, double scale) {
        long z = state + (i + 1) * GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        double u = (z >>> 40) * 0x1p-24;
        double v = 2 * u - 1;
        return (float) (center + scale * v);
    }

    private static void fill(String key, long seed, double center, double scale, ByteBuffer out, long n) {
        long state = fnv1a64(key) ^ seed;
        int chunks = (int) ((n + CHUNK - 1) / CHUNK);
        IntStream range = IntStream.range(0, chunks);
        if (chunks > 1) range = range.parallel();
        range.forEach(c -> {
            long start = (long) c * CHUNK, end = Math.min(n, start + CHUNK);
            for (long i = start; i < end; i++) out.putFloat((int) (4 * i), value(state, i, center, scale));
        });
    }

    /**
     * A whole state dict, written once to a safetensors file in the cache directory (REFINERS_CACHE or
     * refiners.cache, default ~/.cache/refiners-java) and memory-mapped from there: full-size models then start in
     * seconds, and processes on one machine share the pages.
     */
    public static Map<String, Tensor> cachedStateDict(String modelName, Map<String, long[]> shapes, long seed) {
        try (SafeTensors st = openCached(modelName, shapes, seed)) {
            return st.all();
        }
    }

    /** The cache file of {@link #cachedStateDict} (written first if it is missing or stale), e.g. to link elsewhere. */
    public static Path cachedFile(String modelName, Map<String, long[]> shapes, long seed) {
        try (SafeTensors st = openCached(modelName, shapes, seed)) {
            return cachePath(modelName, seed);
        }
    }

    /**
     * The float16 twin of {@link #cachedFile} ({@code NAME-seedN-f16.safetensors} beside it, what `convert --dtype f16`
     * writes for real weights), written once from the float32 file: float16 runs map half-size weights instead of
     * converting float32 ones in memory.
     */
    public static Path cachedHalfFile(String modelName, Map<String, long[]> shapes, long seed) {
        Path f16 = cachePath(modelName, seed).resolveSibling(modelName + "-seed" + seed + "-f16.safetensors");
        if (Files.exists(f16)) {
            try (SafeTensors st = SafeTensors.open(f16)) {
                if (matches(st, shapes, DType.F16)) return f16;
            } catch (SafeTensorsException e) {
                // a stale file: write it again
            }
        }
        Map<String, SafeTensorsWriter.Entry> entries = new LinkedHashMap<>();
        cachedStateDict(modelName, shapes, seed).forEach((k, t) -> entries.put(k, new SafeTensorsWriter.Entry(DType.F16, t.shape(), () -> t.to(DType.F16))));
        SafeTensorsWriter.writeLazily(f16, entries, Map.of("detinit", "v1", "seed", Long.toString(seed), "dtype", "f16"));
        return f16;
    }

    /** The state dict of {@link #cachedHalfFile}, mapped. */
    public static Map<String, Tensor> cachedHalfStateDict(String modelName, Map<String, long[]> shapes, long seed) {
        try (SafeTensors st = SafeTensors.open(cachedHalfFile(modelName, shapes, seed))) {
            return st.all();
        }
    }

    private static Path cachePath(String modelName, long seed) {
        return cacheDirectory().resolve("detinit-v1").resolve(modelName + "-seed" + seed + ".safetensors");
    }

    /** The cache file, opened once: as found when it holds these shapes, else written first. */
    private static SafeTensors openCached(String modelName, Map<String, long[]> shapes, long seed) {
        Path file = cachePath(modelName, seed);
        if (Files.exists(file)) {
            try {
                SafeTensors st = SafeTensors.open(file);
                if (matches(st, shapes, DType.F32)) return st;
                st.close();
            } catch (SafeTensorsException e) {
                // a partial or stale file: write it again
            }
        }
        Map<String, SafeTensorsWriter.Entry> entries = new LinkedHashMap<>();
        shapes.forEach((k, s) -> entries.put(k, new SafeTensorsWriter.Entry(DType.F32, s, () -> tensor(k, s, seed))));
        SafeTensorsWriter.writeLazily(file, entries, Map.of("detinit", "v1", "seed", Long.toString(seed)));
        return SafeTensors.open(file);
    }

    private static boolean matches(SafeTensors st, Map<String, long[]> shapes, DType dtype) {
        if (!st.keys().equals(new ArrayList<>(shapes.keySet()))) return false;
        for (Map.Entry<String, long[]> e : shapes.entrySet())
            if (!Arrays.equals(st.info(e.getKey()).shape(), e.getValue()) || st.info(e.getKey()).dtype() != dtype) return false;
        return true;
    }

    /**
     * The folder of the files the library writes once and maps (detinit weights, NCHWc-blocked convolution weights):
     * the system property refiners.cache, else the environment variable REFINERS_CACHE, else ~/.cache/refiners-java.
     * With {@link #cacheLimit} the one place where shared-fluxion reads its process's environment: every other
     * setting is an argument (RuntimeConfig, SD1Weights, ...) given by the application, whose configuration names it.
     */
    public static Path cacheDirectory() {
        String dir = System.getProperty("refiners.cache", System.getenv("REFINERS_CACHE"));
        return dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "refiners-java");
    }

    /**
     * The most bytes of blocked convolution copies the cache keeps (least recently used removed first; detinit files
     * are not counted): the system property refiners.cache-limit, else REFINERS_CACHE_LIMIT, else 10g. A number of
     * bytes with an optional k, m or g suffix.
     */
    public static long cacheLimit() {
        String v = System.getProperty("refiners.cache-limit", System.getenv("REFINERS_CACHE_LIMIT"));
        return v == null || v.isBlank() ? 10L << 30 : parseSize(v, "REFINERS_CACHE_LIMIT");
    }

    /** "512m", "10g", "1048576": bytes; a clear error naming {@code setting} otherwise. */
    public static long parseSize(String value, String setting) {
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        int shift = v.endsWith("k") ? 10 : v.endsWith("m") ? 20 : v.endsWith("g") ? 30 : 0;
        try {
            long n = Long.parseLong(shift == 0 ? v : v.substring(0, v.length() - 1));
            if (n >= 0 && n <= Long.MAX_VALUE >> shift) return n << shift;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(setting + " must be a size such as 512m or 10g, not " + value);
    }

    /** A whole state dict: every key gets its v1 tensor, in the order given. */
    public static Map<String, Tensor> stateDict(Map<String, long[]> shapes, long seed) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        shapes.forEach((k, s) -> out.put(k, tensor(k, s, seed)));
        return out;
    }
}

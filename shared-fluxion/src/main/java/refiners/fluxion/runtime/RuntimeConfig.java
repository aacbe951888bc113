package refiners.fluxion.runtime;

/**
 * How a {@link Runner} creates ONNX Runtime sessions. A plain value: the library reads no setting of its own; a runner is
 * built with one ({@link #defaults()} for the shared runner; services and tools build theirs from their configuration).
 *
 * <p>Prepacking is off by default: with it, ONNX Runtime repacks every constant weight into its own buffers, which
 * doubles resident memory; without it the mapped weights are used in place (zero copy). Likewise weight rewrites
 * (constant folding and the NCHWc convolution layout, which reorder weights into new buffers) are off by default;
 * they need weights that live in files. Spinning (default on) lets idle intra-op threads busy-wait between runs: turn
 * it off when several processes share the cores. {@code dumpOptimized}, when set, is a file ONNX Runtime writes each
 * new session's optimized graph to (for debugging); {@code profilePrefix}, when set, turns on ONNX Runtime's per-node
 * profiling. {@code nchwcConvolutions} (default on) puts float32 convolutions on ONNX Runtime's NCHWc kernels with
 * blocked weights kept in cached files, mapped like the others. {@code sessionCacheSize} bounds the sessions a runner keeps.
 * {@code mappedPrepacking} (default off) maps the linear layers' weights already packed for ONNX Runtime's GEMM from a
 * cached file written once (see PrepackedGemms) instead of letting it pack them on every call.
 */
public record RuntimeConfig(String device, int cudaDevice, int intraOpThreads, boolean prepacking, int sessionCacheSize,
                            boolean weightRewrites, boolean spinning, String dumpOptimized, String profilePrefix,
                            boolean nchwcConvolutions, boolean mappedPrepacking) {
    public RuntimeConfig {
        if (!device.equals("cpu") && !device.equals("cuda")) throw new IllegalArgumentException("device must be cpu or cuda[:N], not " + device);
        if (cudaDevice < 0) throw new IllegalArgumentException("cuda device index must be >= 0, not " + cudaDevice);
        if (intraOpThreads < 0) throw new IllegalArgumentException("threads must be >= 0 (0: one per processor), not " + intraOpThreads);
        if (sessionCacheSize < 1) throw new IllegalArgumentException("session cache size must be >= 1, not " + sessionCacheSize);
        if (dumpOptimized != null && dumpOptimized.isBlank()) dumpOptimized = null;
        if (profilePrefix != null && profilePrefix.isBlank()) profilePrefix = null;
    }

    /** cpu, one thread per processor, no prepacking, 4 cached sessions, no weight rewrites, spinning, no dump. */
    public static RuntimeConfig defaults() {
        return new RuntimeConfig("cpu", 0, 0, false, 4, false, true, null, null, true, false);
    }

    /** "cpu", "cuda" or "cuda:N". */
    public RuntimeConfig withDevice(String spec) {
        String dev = spec.trim().toLowerCase(java.util.Locale.ROOT);
        int cuda = 0;
        if (dev.startsWith("cuda:")) {
            try {
                cuda = Integer.parseInt(dev.substring(5));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("device must be cpu or cuda[:N], not " + spec);
            }
            dev = "cuda";
        }
        return new RuntimeConfig(dev, cuda, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, spinning, dumpOptimized, profilePrefix, nchwcConvolutions, mappedPrepacking);
    }

    public RuntimeConfig withThreads(int t) {
        return new RuntimeConfig(device, cudaDevice, t, prepacking, sessionCacheSize, weightRewrites, spinning, dumpOptimized, profilePrefix, nchwcConvolutions, mappedPrepacking);
    }

    public RuntimeConfig withPrepacking(boolean p) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, p, sessionCacheSize, weightRewrites, spinning, dumpOptimized, profilePrefix, nchwcConvolutions, mappedPrepacking);
    }

    public RuntimeConfig withSessionCacheSize(int n) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, n, weightRewrites, spinning, dumpOptimized, profilePrefix, nchwcConvolutions, mappedPrepacking);
    }

    public RuntimeConfig withWeightRewrites(boolean w) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, w, spinning, dumpOptimized, profilePrefix, nchwcConvolutions, mappedPrepacking);
    }

    public RuntimeConfig withSpinning(boolean s) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, s, dumpOptimized, profilePrefix, nchwcConvolutions, mappedPrepacking);
    }

    /** A file to write each new session's optimized graph to; null or blank: none. */
    public RuntimeConfig withDumpOptimized(String file) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, spinning, file, profilePrefix, nchwcConvolutions, mappedPrepacking);
    }

    /**
     * ONNX Runtime's per-node profiling for each new session: a JSON file named after this prefix (see
     * CompiledModel.endProfiling); null or blank: none. Profiling slows runs slightly.
     */
    public RuntimeConfig withProfiling(String prefix) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, spinning, dumpOptimized, prefix, nchwcConvolutions, mappedPrepacking);
    }

    /**
     * Whether float32 convolutions run on ONNX Runtime's NCHWc kernels on cpu (default true), their weights blocked
     * once into cached files that are mapped like the others (more disk, no more memory).
     */
    public RuntimeConfig withNchwcConvolutions(boolean on) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, spinning, dumpOptimized, profilePrefix, on, mappedPrepacking);
    }

    /**
     * Whether, on cpu, the linear layers' weights are mapped already packed for ONNX Runtime's GEMM kernels from a file
     * ONNX Runtime writes once into the cache (more disk, no more memory), instead of being packed on every call.
     */
    public RuntimeConfig withMappedPrepacking(boolean on) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, spinning, dumpOptimized, profilePrefix, nchwcConvolutions, on);
    }
}

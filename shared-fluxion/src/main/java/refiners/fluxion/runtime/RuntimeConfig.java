package refiners.fluxion.runtime;

/**
 * How a {@link Runner} creates ONNX Runtime sessions. Nothing reads it implicitly: a runner is built with one
 * ({@link #fromEnvironment()} for the shared runner, an explicit one in services and tools).
 *
 * <p>Prepacking is off by default: with it, ONNX Runtime repacks every constant weight into its own buffers, which
 * doubles resident memory; without it the mapped weights are used in place (zero copy). Likewise weight rewrites
 * (constant folding and the NCHWc convolution layout, which reorder weights into new buffers) are off by default;
 * they need weights that live in files. Spinning (default on) lets idle intra-op threads busy-wait between runs: turn
 * it off when several processes share the cores. {@code dumpOptimized}, when set, is a file ONNX Runtime writes each
 * new session's optimized graph to (for debugging); {@code profile}, when set, the file prefix of ONNX Runtime's profile
 * of each session (written when the session closes). {@code sessionCacheSize} bounds the sessions a runner keeps.
 */
public record RuntimeConfig(String device, int cudaDevice, int intraOpThreads, boolean prepacking, int sessionCacheSize,
                            boolean weightRewrites, boolean spinning, String dumpOptimized, String profile) {
    public RuntimeConfig {
        if (!device.equals("cpu") && !device.equals("cuda")) throw new IllegalArgumentException("device must be cpu or cuda[:N], not " + device);
        if (cudaDevice < 0) throw new IllegalArgumentException("cuda device index must be >= 0, not " + cudaDevice);
        if (intraOpThreads < 0) throw new IllegalArgumentException("threads must be >= 0 (0: ONNX Runtime's choice), not " + intraOpThreads);
        if (sessionCacheSize < 1) throw new IllegalArgumentException("session cache size must be >= 1, not " + sessionCacheSize);
        if (dumpOptimized != null && dumpOptimized.isBlank()) dumpOptimized = null;
        if (profile != null && profile.isBlank()) profile = null;
    }

    /** cpu, ONNX Runtime's thread count, no prepacking, 4 cached sessions, no weight rewrites, spinning, no dump. */
    public static RuntimeConfig defaults() {
        return new RuntimeConfig("cpu", 0, 0, false, 4, false, true, null, null);
    }

    /**
     * The defaults overridden by system properties or environment variables: refiners.device / REFINERS_DEVICE
     * (cpu|cuda[:N]), refiners.threads / REFINERS_THREADS, refiners.prepacking / REFINERS_PREPACKING,
     * refiners.sessionCache / REFINERS_SESSION_CACHE, refiners.weightRewrites / REFINERS_WEIGHT_REWRITES,
     * refiners.spinning / REFINERS_SPINNING, refiners.dumpOptimized / REFINERS_DUMP_OPTIMIZED.
     */
    public static RuntimeConfig fromEnvironment() {
        RuntimeConfig d = defaults();
        return d.withDevice(setting("refiners.device", "REFINERS_DEVICE", "cpu"))
                .withThreads(intSetting("refiners.threads", "REFINERS_THREADS", d.intraOpThreads()))
                .withPrepacking(Boolean.parseBoolean(setting("refiners.prepacking", "REFINERS_PREPACKING", "false")))
                .withSessionCacheSize(intSetting("refiners.sessionCache", "REFINERS_SESSION_CACHE", d.sessionCacheSize()))
                .withWeightRewrites(Boolean.parseBoolean(setting("refiners.weightRewrites", "REFINERS_WEIGHT_REWRITES", "false")))
                .withSpinning(Boolean.parseBoolean(setting("refiners.spinning", "REFINERS_SPINNING", "true")))
                .withDumpOptimized(setting("refiners.dumpOptimized", "REFINERS_DUMP_OPTIMIZED", ""));
    }

    private static String setting(String property, String env, String def) {
        String v = System.getProperty(property);
        if (v == null) v = System.getenv(env);
        return v == null || v.isBlank() ? def : v.trim();
    }

    private static int intSetting(String property, String env, int def) {
        String v = setting(property, env, Integer.toString(def));
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + " / " + env + " must be an integer, not " + v);
        }
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
        return new RuntimeConfig(dev, cuda, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, spinning, dumpOptimized, profile);
    }

    public RuntimeConfig withThreads(int t) {
        return new RuntimeConfig(device, cudaDevice, t, prepacking, sessionCacheSize, weightRewrites, spinning, dumpOptimized, profile);
    }

    public RuntimeConfig withPrepacking(boolean p) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, p, sessionCacheSize, weightRewrites, spinning, dumpOptimized, profile);
    }

    public RuntimeConfig withSessionCacheSize(int n) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, n, weightRewrites, spinning, dumpOptimized, profile);
    }

    public RuntimeConfig withWeightRewrites(boolean w) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, w, spinning, dumpOptimized, profile);
    }

    public RuntimeConfig withSpinning(boolean s) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, s, dumpOptimized, profile);
    }

    /** A file to write each new session's optimized graph to; null or blank: none. */
    public RuntimeConfig withDumpOptimized(String file) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, spinning, file, profile);
    }

    /** ONNX Runtime's per-node profile of each new session, written to PREFIX_DATE.json when the session closes; null or blank: none. */
    public RuntimeConfig withProfiling(String prefix) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, spinning, dumpOptimized, prefix);
    }
}

package refiners.fluxion.runtime;

/**
 * How ONNX Runtime sessions are created. Defaults come from system properties or environment variables
 * (refiners.device / REFINERS_DEVICE = cpu|cuda[:N], refiners.threads / REFINERS_THREADS, refiners.prepacking /
 * REFINERS_PREPACKING, refiners.sessionCache / REFINERS_SESSION_CACHE).
 *
 * <p>Prepacking is off by default: with it, ONNX Runtime repacks every constant weight into its own buffers, which
 * doubles resident memory; without it the mapped weights are used in place (zero copy). Likewise weight rewrites
 * (refiners.weightRewrites / REFINERS_WEIGHT_REWRITES: constant folding and the NCHWc convolution layout, which
 * reorder weights into new buffers) are off by default; they need weights that live in files. Spinning
 * (refiners.spinning / REFINERS_SPINNING, default true) lets idle intra-op threads busy-wait between runs: turn it off
 * when several processes share the cores.
 */
public record RuntimeConfig(String device, int cudaDevice, int intraOpThreads, boolean prepacking, int sessionCacheSize, boolean weightRewrites, boolean spinning) {
    private static volatile RuntimeConfig global;

    public static RuntimeConfig fromEnvironment() {
        int threads = Integer.parseInt(setting("refiners.threads", "REFINERS_THREADS", "0"));
        boolean prepack = Boolean.parseBoolean(setting("refiners.prepacking", "REFINERS_PREPACKING", "false"));
        int cache = Integer.parseInt(setting("refiners.sessionCache", "REFINERS_SESSION_CACHE", "4"));
        boolean rewrites = Boolean.parseBoolean(setting("refiners.weightRewrites", "REFINERS_WEIGHT_REWRITES", "false"));
        boolean spinning = Boolean.parseBoolean(setting("refiners.spinning", "REFINERS_SPINNING", "true"));
        return new RuntimeConfig("cpu", 0, threads, prepack, cache, rewrites, spinning).withDevice(setting("refiners.device", "REFINERS_DEVICE", "cpu"));
    }

    private static String setting(String property, String env, String def) {
        String v = System.getProperty(property);
        if (v == null) v = System.getenv(env);
        return v == null || v.isBlank() ? def : v.trim();
    }

    /** The configuration new sessions use (set once at service start-up; tests may switch it). */
    public static RuntimeConfig global() {
        RuntimeConfig g = global;
        if (g == null) {
            synchronized (RuntimeConfig.class) {
                if (global == null) global = fromEnvironment();
                g = global;
            }
        }
        return g;
    }

    public static void setGlobal(RuntimeConfig config) {
        global = config;
    }

    /** cpu, cuda or cuda:N (the N-th GPU). */
    public RuntimeConfig withDevice(String device) {
        String dev = device.trim().toLowerCase(java.util.Locale.ROOT);
        int cuda = 0;
        if (dev.startsWith("cuda:")) {
            try {
                cuda = Integer.parseInt(dev.substring(5));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("device must be cpu or cuda[:N], not " + device);
            }
            dev = "cuda";
        }
        if (!dev.equals("cpu") && !dev.equals("cuda") || cuda < 0) throw new IllegalArgumentException("device must be cpu or cuda[:N], not " + device);
        return new RuntimeConfig(dev, cuda, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, spinning);
    }

    public RuntimeConfig withSpinning(boolean s) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, weightRewrites, s);
    }

    public RuntimeConfig withPrepacking(boolean p) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, p, sessionCacheSize, weightRewrites, spinning);
    }

    public RuntimeConfig withThreads(int t) {
        return new RuntimeConfig(device, cudaDevice, t, prepacking, sessionCacheSize, weightRewrites, spinning);
    }

    public RuntimeConfig withWeightRewrites(boolean w) {
        return new RuntimeConfig(device, cudaDevice, intraOpThreads, prepacking, sessionCacheSize, w, spinning);
    }
}

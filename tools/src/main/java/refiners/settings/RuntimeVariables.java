package refiners.settings;

import java.util.Map;
import refiners.fluxion.runtime.RuntimeConfig;

/**
 * The ONNX Runtime settings of the CLI and the benches, from the environment variables the model services read through
 * their configuration (same names, same defaults: RuntimeConfig.defaults()). An unset or blank variable keeps the default.
 */
public final class RuntimeVariables {
    private RuntimeVariables() {}

    /** From this process's environment. */
    public static RuntimeConfig fromEnvironment() {
        return from(System.getenv());
    }

    /**
     * REFINERS_DEVICE (cpu|cuda[:N]), REFINERS_THREADS, REFINERS_PREPACKING, REFINERS_SPINNING, REFINERS_SESSION_CACHE,
     * REFINERS_NCHWC, REFINERS_WEIGHT_REWRITES, REFINERS_MAPPED_PREPACKING, REFINERS_DUMP_OPTIMIZED.
     */
    public static RuntimeConfig from(Map<String, String> env) {
        RuntimeConfig c = RuntimeConfig.defaults();
        String device = value(env, "REFINERS_DEVICE");
        if (device != null) c = c.withDevice(device);
        Integer threads = integer(env, "REFINERS_THREADS");
        if (threads != null) c = c.withThreads(threads);
        Boolean prepacking = bool(env, "REFINERS_PREPACKING");
        if (prepacking != null) c = c.withPrepacking(prepacking);
        Boolean spinning = bool(env, "REFINERS_SPINNING");
        if (spinning != null) c = c.withSpinning(spinning);
        Integer sessions = integer(env, "REFINERS_SESSION_CACHE");
        if (sessions != null) c = c.withSessionCacheSize(sessions);
        Boolean nchwc = bool(env, "REFINERS_NCHWC");
        if (nchwc != null) c = c.withNchwcConvolutions(nchwc);
        Boolean rewrites = bool(env, "REFINERS_WEIGHT_REWRITES");
        if (rewrites != null) c = c.withWeightRewrites(rewrites);
        Boolean mappedPrepacking = bool(env, "REFINERS_MAPPED_PREPACKING");
        if (mappedPrepacking != null) c = c.withMappedPrepacking(mappedPrepacking);
        String dump = value(env, "REFINERS_DUMP_OPTIMIZED");
        return dump != null ? c.withDumpOptimized(dump) : c;
    }

    private static String value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static Integer integer(Map<String, String> env, String name) {
        String v = value(env, name);
        if (v == null) return null;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, not " + v);
        }
    }

    /** true or false (any case); anything else is refused rather than read as false. */
    private static Boolean bool(Map<String, String> env, String name) {
        String v = value(env, name);
        if (v == null) return null;
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) return Boolean.parseBoolean(v);
        throw new IllegalArgumentException(name + " must be true or false, not " + v);
    }
}

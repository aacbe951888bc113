package refiners.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DType;
import refiners.fluxion.runtime.RuntimeConfig;

/** The stage services' model settings: RuntimeConfig's defaults, each set by its REFINERS_* variable or its property. */
class ModelConfigTest {
    private static ModelConfig config(Map<String, String> env, Map<String, String> properties) {
        SmallRyeConfig c = new SmallRyeConfigBuilder().withMapping(ModelConfig.class)
                .withSources(new EnvConfigSource(env, 300), new MapBackedConfigSource("properties", properties, 250) {})
                .build();
        return c.getConfigMapping(ModelConfig.class);
    }

    @Test
    void nothingSetIsTheLibrarysDefaults() {
        ModelConfig c = config(Map.of(), Map.of());
        assertEquals(RuntimeConfig.defaults(), c.runtime());
        assertEquals(DType.F32, c.computeDtype());
        assertEquals(java.util.Optional.empty(), c.weights());
    }

    @Test
    void everyRuntimeVariableReachesTheRuntime() {
        ModelConfig c = config(Map.of("REFINERS_DEVICE", "cuda:1", "REFINERS_THREADS", "3", "REFINERS_PREPACKING", "true", "REFINERS_SPINNING", "false",
                "REFINERS_SESSION_CACHE", "7", "REFINERS_NCHWC", "false", "REFINERS_WEIGHT_REWRITES", "true", "REFINERS_DUMP_OPTIMIZED", "/tmp/optimized.onnx",
                "REFINERS_DTYPE", "float16", "REFINERS_WEIGHTS", "detinit"), Map.of());
        assertEquals(new RuntimeConfig("cuda", 1, 3, true, 7, true, false, "/tmp/optimized.onnx", null, false, false), c.runtime());
        assertEquals(DType.F16, c.computeDtype());
        assertEquals("detinit", c.weights().orElseThrow());
    }

    @Test
    void propertiesSetThemToo() {
        ModelConfig c = config(Map.of(), Map.of("refiners.session-cache", "9", "refiners.nchwc", "false", "refiners.weight-rewrites", "true",
                "refiners.mapped-prepacking", "true"));
        assertEquals(RuntimeConfig.defaults().withSessionCacheSize(9).withNchwcConvolutions(false).withWeightRewrites(true).withMappedPrepacking(true), c.runtime());
    }
}

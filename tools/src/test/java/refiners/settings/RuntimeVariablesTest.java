package refiners.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.fluxion.runtime.RuntimeConfig;

class RuntimeVariablesTest {
    @Test
    void unsetOrBlankKeepsTheDefaults() {
        assertEquals(RuntimeConfig.defaults(), RuntimeVariables.from(Map.of()));
        assertEquals(RuntimeConfig.defaults(), RuntimeVariables.from(Map.of("REFINERS_THREADS", " ", "REFINERS_NCHWC", "")));
    }

    @Test
    void everyVariableSetsItsSetting() {
        RuntimeConfig c = RuntimeVariables.from(Map.of("REFINERS_DEVICE", "cuda:1", "REFINERS_THREADS", "3", "REFINERS_PREPACKING", "true",
                "REFINERS_SPINNING", "false", "REFINERS_SESSION_CACHE", "7", "REFINERS_NCHWC", "FALSE", "REFINERS_WEIGHT_REWRITES", "true",
                "REFINERS_DUMP_OPTIMIZED", "/tmp/optimized.onnx", "REFINERS_MAPPED_PREPACKING", "true"));
        assertEquals(new RuntimeConfig("cuda", 1, 3, true, 7, true, false, "/tmp/optimized.onnx", null, false, true), c);
    }

    @Test
    void aMalformedValueNamesItsVariable() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RuntimeVariables.from(Map.of("REFINERS_SESSION_CACHE", "many")))
                .getMessage().startsWith("REFINERS_SESSION_CACHE"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RuntimeVariables.from(Map.of("REFINERS_NCHWC", "off")))
                .getMessage().startsWith("REFINERS_NCHWC"));
    }
}

package refiners.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** REFINERS_MODELS checked at start-up; a request's model resolved to a served family, or refused naming the field. */
class ModelFamiliesTest {
    @Test
    void theFirstServedIsTheDefaultAndAnUnservedOneIsRefusedNamingTheField() {
        List<String> served = ModelFamilies.served(List.of("sdxl", " sd15"));
        assertEquals(List.of("sdxl", "sd15"), served);
        assertEquals("sdxl", ModelFamilies.resolve("", served, "model"));
        assertEquals("sd15", ModelFamilies.resolve("sd15", served, "model"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ModelFamilies.resolve("sd3", served, "model"));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("model: unknown model 'sd3'"), e.getStatus().getDescription());
        assertThrows(StatusRuntimeException.class, () -> ModelFamilies.resolve("sdxl", List.of("sd15"), "start.model"));
    }

    @Test
    void aBadSettingStopsTheService() {
        assertThrows(IllegalArgumentException.class, () -> ModelFamilies.served(List.of("sd15", "sd2")));
        assertThrows(IllegalArgumentException.class, () -> ModelFamilies.served(List.of("sd15", "sd15")));
        assertThrows(IllegalArgumentException.class, () -> ModelFamilies.served(List.of(" ")));
    }
}

package refiners.mesh;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoraNamesTest {
    @Test
    void namesThatCouldLeaveTheDirectoryAreRefused() {
        for (String bad : List.of("", "../x", "..", "a/b", "a\\b", "/etc/passwd", "~root", "x\0y", "c:x", "a..b")) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> LoraNames.check(bad, "name"), bad);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad);
        }
        for (String good : List.of("style", "pokemon-v2", "my_lora.v1", "ü"))
            assertDoesNotThrow(() -> LoraNames.check(good, "name"), good);
    }
}

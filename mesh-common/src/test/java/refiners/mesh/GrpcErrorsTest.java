package refiners.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** A stream broken by this process's own shutdown is UNAVAILABLE (the orchestrator resumes it elsewhere), not INTERNAL. */
class GrpcErrorsTest {
    @Test
    void anUnknownFailureIsInternalUnlessTheProcessIsStopping() {
        GrpcErrors errors = new GrpcErrors();
        errors.service = "unet-svc";
        IllegalStateException containerGone = new IllegalStateException("ArC container not initialized");
        assertEquals(Status.Code.INTERNAL, errors.unrecognised(containerGone, false).getStatus().getCode());
        assertEquals(Status.Code.UNAVAILABLE, errors.unrecognised(containerGone, true).getStatus().getCode());
        assertEquals("unet-svc is shutting down", errors.unrecognised(containerGone, true).getStatus().getDescription());
        // a failure of a known kind keeps its status whatever the process is doing
        assertEquals(Status.Code.INVALID_ARGUMENT, errors.asStatus(new refiners.fluxion.InvalidRequestException("steps", "bad")).getStatus().getCode());
    }
}

package refiners.mesh.orchestrator.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class ErrorBodyTest {
    @Test
    void statusCodesMapToHttp() {
        assertEquals(400, ErrorBody.httpStatus(Status.Code.INVALID_ARGUMENT));
        assertEquals(404, ErrorBody.httpStatus(Status.Code.NOT_FOUND));
        assertEquals(429, ErrorBody.httpStatus(Status.Code.RESOURCE_EXHAUSTED));
        assertEquals(503, ErrorBody.httpStatus(Status.Code.UNAVAILABLE));
        assertEquals(504, ErrorBody.httpStatus(Status.Code.DEADLINE_EXCEEDED));
        assertEquals(500, ErrorBody.httpStatus(Status.Code.INTERNAL));
    }

    @Test
    void theFieldIsTakenFromTheDescriptionOfRequestErrors() {
        assertEquals("steps", ErrorBody.of(Status.INVALID_ARGUMENT.withDescription("steps: must be in 1..150, got 0")).field());
        assertEquals("loras[0].name", ErrorBody.of(Status.NOT_FOUND.withDescription("unet-svc: loras[0].name: unknown LoRA 'x': no x.safetensors")).field());
        assertEquals("guidance_scale", ErrorBody.of(Status.INVALID_ARGUMENT.withDescription("guidance_scale: must be a finite number, got NaN")).field());
        assertNull(ErrorBody.of(Status.UNAVAILABLE.withDescription("vae-svc unavailable at localhost:8083: io exception")).field());
        assertEquals("RESOURCE_EXHAUSTED", ErrorBody.of(Status.RESOURCE_EXHAUSTED.withDescription("orchestrator is busy")).code());
    }
}

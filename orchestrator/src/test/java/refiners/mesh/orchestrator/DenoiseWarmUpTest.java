package refiners.mesh.orchestrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

class DenoiseWarmUpTest {
    @Test
    void stepsGoThroughTheDenoiseClientAgainstTheStandInThenReady() {
        DenoiseWarmUp warmUp = new DenoiseWarmUp();
        assertEquals(HealthCheckResponse.Status.DOWN, warmUp.call().getStatus(), "not ready before the warm-up");
        warmUp.run(120); // three streams: 50, 50, 20
        assertEquals(120, warmUp.stepsAnswered());
        assertEquals(HealthCheckResponse.Status.UP, warmUp.call().getStatus());
    }

    @Test
    void noStepsIsReadyAtOnce() {
        DenoiseWarmUp warmUp = new DenoiseWarmUp();
        warmUp.run(0);
        assertEquals(0, warmUp.stepsAnswered());
        assertTrue(warmUp.call().getStatus() == HealthCheckResponse.Status.UP);
    }
}

package refiners.mesh.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.mesh.ServiceModel;
import refiners.mesh.ServiceTestBase;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;

/**
 * REFINERS_WARMUP_STEPS: the service reports ready only after its dry steps went through its own endpoint; they
 * are not counted as steps, and a caller cannot make its steps dry by naming its generation like the warm-up.
 */
@QuarkusTest
@TestProfile(UNetWarmUpTest.WarmUp.class)
class UNetWarmUpTest extends ServiceTestBase {
    static final int STEPS = 120;

    public static final class WarmUp implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("refiners.warmup-steps", Integer.toString(STEPS));
        }
    }

    @Inject
    UNetModel model;
    @Inject
    UNetWarmUp warmUp;

    @Override
    protected ServiceModel<?> model() {
        return model;
    }

    @Test
    void readyAfterTheDryStepsWhichAreNeitherCountedNorAvailableToCallers() throws Exception {
        assertEquals(STEPS, warmUp.stepsAnswered(), "every warm-up step answered before the service reported ready");
        assertEquals(0.0, metric("refiners_unet_steps_total"), "warm-up steps are not counted as steps");
        List<DenoiseResponse> answers = UNetServiceTest.exchange(channel, List.of(
                DenoiseRequest.newBuilder().setStart(UNetServiceTest.start().setGenerationId("warm-up-" + java.util.UUID.randomUUID())).build(),
                UNetServiceTest.step(0, 999, 10)));
        float[] noise = WireTensors.fromMessage(answers.get(1).getResult().getNoise(), "noise").toFloatArray();
        float largest = 0;
        for (float v : noise) largest = Math.max(largest, Math.abs(v));
        assertTrue(largest > 0, "a caller's step runs the UNet, whatever its generation id");
        assertEquals(1.0, metric("refiners_unet_steps_total"));
    }
}

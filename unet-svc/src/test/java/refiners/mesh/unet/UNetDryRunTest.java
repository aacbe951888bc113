package refiners.mesh.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.fluxion.Tensor;
import refiners.mesh.ServiceModel;
import refiners.mesh.ServiceTestBase;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;

/** REFINERS_UNET_DRY_RUN (the transport diagnostic): the stream works as usual, every step's noise is zero. */
@QuarkusTest
@TestProfile(UNetDryRunTest.DryRun.class)
class UNetDryRunTest extends ServiceTestBase {
    public static final class DryRun implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("refiners.unet.dry-run", "true");
        }
    }

    @Inject
    UNetModel model;

    @Override
    protected ServiceModel<?> model() {
        return model;
    }

    @Test
    void stepsAnswerZeroNoiseOfTheirShapeWithoutRunningTheUNet() throws Exception {
        List<DenoiseResponse> answers = UNetServiceTest.exchange(channel, List.of(DenoiseRequest.newBuilder().setStart(UNetServiceTest.start()).build(),
                UNetServiceTest.step(0, 999, 10), UNetServiceTest.step(1, 899.5, 11)));
        assertEquals(3, answers.size());
        assertTrue(answers.get(0).hasReady());
        for (int i = 1; i <= 2; i++) {
            Tensor noise = WireTensors.fromMessage(answers.get(i).getResult().getNoise(), "noise");
            assertEquals(Arrays.toString(UNetServiceTest.LATENTS), Arrays.toString(noise.shape()));
            for (float v : noise.toFloatArray()) assertEquals(0f, v);
        }
    }
}

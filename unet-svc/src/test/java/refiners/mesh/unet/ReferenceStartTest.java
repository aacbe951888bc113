package refiners.mesh.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.ServiceModel;
import refiners.mesh.ServiceTestBase;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;

/**
 * Reference-only control over Denoise: a Start's reference_style_cfg with each Step's noised reference gives the
 * model's own denoiser's noise bit for bit (and resumes so on a new stream); missing, misshapen or unexpected
 * reference latents and a bad style_cfg are refused naming the field.
 */
@QuarkusTest
class ReferenceStartTest extends ServiceTestBase {
    static final long[] REFERENCE = {2, UNetServiceTest.LATENTS[1], UNetServiceTest.LATENTS[2], UNetServiceTest.LATENTS[3]};

    @Inject
    UNetModel model;

    @Override
    protected ServiceModel<?> model() {
        return model;
    }

    static DenoiseRequest referenced(DenoiseRequest step, Tensor reference) {
        return step.toBuilder().setStep(step.getStep().toBuilder().setReferenceLatents(WireTensors.toMessage(reference))).build();
    }

    @Test
    void theReferenceGivesTheModelsOwnNoiseAndResumesSo() throws Exception {
        var start = UNetServiceTest.startWith(b -> b.setReferenceStyleCfg(0.4));
        Tensor ref0 = GaussianNoise.sample(20, REFERENCE), ref1 = GaussianNoise.sample(21, REFERENCE);
        DenoiseRequest second = referenced(UNetServiceTest.step(1, 500, 12), ref1);
        List<DenoiseResponse> answers = UNetServiceTest.exchange(channel, List.of(start, referenced(UNetServiceTest.step(0, 999, 11), ref0), second));
        var s = UNetServiceTest.start().build();
        SD1Stages.Conditioning c = new SD1Stages.Conditioning(UNetServiceTest.embedding(1), UNetServiceTest.embedding(2), s.getGuidanceScale(), List.of(),
                UNetServiceTest.LATENTS, null, null, List.of(), null, 0.4);
        try (SD1Stages.Denoiser own = model.get().open(c)) {
            Tensor noise = own.guidedNoise(1, 500, GaussianNoise.sample(12, UNetServiceTest.LATENTS), ref1);
            UNetServiceTest.assertBitEqual(noise, answers.get(2));
            UNetServiceTest.assertBitEqual(noise, UNetServiceTest.exchange(channel, List.of(start, second)).get(1));
        }
        var without = UNetServiceTest.exchange(channel, List.of(UNetServiceTest.startWith(b -> b), UNetServiceTest.step(1, 500, 12))).get(1);
        assertTrue(!without.getResult().getNoise().equals(answers.get(2).getResult().getNoise()), "the reference changed nothing");
    }

    @Test
    void badReferencesAreRefusedNamingTheField() {
        var start = UNetServiceTest.startWith(b -> b.setReferenceStyleCfg(0.5));
        assertStatus("start.reference_style_cfg", List.of(UNetServiceTest.startWith(b -> b.setReferenceStyleCfg(1.5))));
        assertStatus("start.reference_style_cfg", List.of(UNetServiceTest.startWith(b -> b.setReferenceStyleCfg(0.5).setGuidanceScale(1))));
        assertStatus("step.reference_latents", List.of(start, UNetServiceTest.step(0, 999, 11)));
        assertStatus("step.reference_latents", List.of(start, referenced(UNetServiceTest.step(0, 999, 11), GaussianNoise.sample(1, UNetServiceTest.LATENTS))));
        assertStatus("step.reference_latents", List.of(UNetServiceTest.startWith(b -> b), referenced(UNetServiceTest.step(0, 999, 11), GaussianNoise.sample(1, REFERENCE))));
    }

    void assertStatus(String field, List<DenoiseRequest> messages) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> UNetServiceTest.exchange(channel, messages), field);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), field + ": " + e.getStatus());
        assertTrue(e.getStatus().getDescription().startsWith(field + ": "), field + " -> " + e.getStatus().getDescription());
    }
}

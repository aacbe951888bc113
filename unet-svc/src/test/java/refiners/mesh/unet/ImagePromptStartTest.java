package refiners.mesh.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.IpAdapterLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.BrokenLoras;
import refiners.mesh.ServiceModel;
import refiners.mesh.ServiceTestBase;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseImagePrompt;
import refiners.proto.unet.v1.DenoiseResponse;

/**
 * A Start's image prompt: a detinit IP-Adapter of the directory gives the model's own denoiser's noise bit for bit (and
 * resumes so on a new stream); bad adapters, scales, weights and features are refused naming the field, without paths.
 */
@QuarkusTest
class ImagePromptStartTest extends ServiceTestBase {
    /** The IP-Adapter directory of the tests (%test.refiners.unet.ip-adapter-dir). */
    static final Path IP_ADAPTERS = Path.of("target/test-ip-adapters");

    @Inject
    UNetModel model;

    @Override
    protected ServiceModel<?> model() {
        return model;
    }

    @BeforeAll
    static void files() throws Exception {
        Files.createDirectories(IP_ADAPTERS);
        Files.copy(IpAdapterLibrary.detinitFile(false), IP_ADAPTERS.resolve("plain.safetensors"), StandardCopyOption.REPLACE_EXISTING);
        BrokenLoras.write();
        Files.copy(BrokenLoras.DIR.resolve("sdxl.safetensors"), IP_ADAPTERS.resolve("a-lora.safetensors"), StandardCopyOption.REPLACE_EXISTING);
    }

    static SD1Stages.ImageFeatures features(int n) {
        return new SD1Stages.ImageFeatures(GaussianNoise.sample(5, n, 1024), GaussianNoise.sample(6, n, 257, 1280), GaussianNoise.sample(7, 1, 257, 1280));
    }

    static DenoiseImagePrompt.Builder prompt(String adapter, SD1Stages.ImageFeatures f, double... weights) {
        DenoiseImagePrompt.Builder p = DenoiseImagePrompt.newBuilder().setAdapter(adapter).setScale(0.6)
                .setImageEmbeddings(WireTensors.toMessage(f.embeddings())).setHiddenStates(WireTensors.toMessage(f.hiddenStates()))
                .setZeroHiddenStates(WireTensors.toMessage(f.zeroHiddenStates()));
        for (double w : weights) p.addWeights(w);
        return p;
    }

    static refiners.proto.unet.v1.DenoiseRequest startWith(UnaryOperator<DenoiseImagePrompt.Builder> change) {
        return UNetServiceTest.startWith(b -> b.setImagePrompt(change.apply(prompt("plain", features(1), 1.0))));
    }

    @Test
    void theImagePromptGivesTheModelsOwnNoiseAndResumesSo() throws Exception {
        SD1Stages.ImageFeatures f = features(2);
        var start = UNetServiceTest.startWith(b -> b.setImagePrompt(prompt("plain", f, 1.0, 0.5)));
        List<DenoiseResponse> answers = UNetServiceTest.exchange(channel, List.of(start, UNetServiceTest.step(0, 999, 11), UNetServiceTest.step(1, 500, 12)));
        var s = UNetServiceTest.start().build();
        SD1Stages.Conditioning c = new SD1Stages.Conditioning(UNetServiceTest.embedding(1), UNetServiceTest.embedding(2), s.getGuidanceScale(), List.of(),
                UNetServiceTest.LATENTS, null, null, List.of(), new SD1Stages.ImagePrompt("plain", 0.6, List.of(1.0, 0.5), f));
        try (SD1Stages.Denoiser own = model.get().open(c)) {
            Tensor second = own.guidedNoise(1, 500, GaussianNoise.sample(12, UNetServiceTest.LATENTS));
            UNetServiceTest.assertBitEqual(second, answers.get(2));
            // a new stream with the same Start and the next step: the same noise
            UNetServiceTest.assertBitEqual(second, UNetServiceTest.exchange(channel, List.of(start, UNetServiceTest.step(1, 500, 12))).get(1));
        }
        var without = UNetServiceTest.exchange(channel, List.of(UNetServiceTest.startWith(b -> b), UNetServiceTest.step(1, 500, 12))).get(1);
        assertTrue(!without.getResult().getNoise().equals(answers.get(2).getResult().getNoise()), "the image prompt changed nothing");
    }

    @Test
    void badImagePromptsAreRefusedNamingTheField() {
        assertStatus(Status.Code.NOT_FOUND, "ip_adapter", startWith(p -> p.setAdapter("nope")));
        assertStatus(Status.Code.INVALID_ARGUMENT, "ip_adapter", startWith(p -> p.setAdapter("../test-ip-adapters/plain")));
        assertStatus(Status.Code.FAILED_PRECONDITION, "ip_adapter", startWith(p -> p.setAdapter("a-lora")));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start.image_prompt.scale", startWith(p -> p.setScale(Double.NaN)));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start.image_prompt.weights[0]", startWith(p -> p.setWeights(0, 11)));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start.image_prompt.weights", startWith(p -> p.clearWeights()));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start.image_prompt.image_embeddings", startWith(p -> p.addWeights(1.0)));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start.image_prompt.zero_hidden_states", startWith(p -> p.clearZeroHiddenStates()));
    }

    void assertStatus(Status.Code code, String field, refiners.proto.unet.v1.DenoiseRequest start) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> UNetServiceTest.exchange(channel, List.of(start)), field);
        assertEquals(code, e.getStatus().getCode(), field + ": " + e.getStatus());
        String message = e.getStatus().getDescription();
        assertTrue(message.startsWith(field + ": ") && !message.contains(IP_ADAPTERS.toAbsolutePath().toString()), field + " -> " + message);
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.FullSizeModels;
import refiners.conversion.WeightsDirectory;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.foundationals.latent_diffusion.GaussianNoise;

/** The UNet stage with ControlNets: one session per ControlNet set, scales and conditions fed per call. */
@FullSizeModels
class LocalUNetTest {
    @TempDir
    static Path dir;

    static Runner runner;
    static LocalUNet unet;
    static final long[] LATENTS = {1, 4, 8, 8};
    static final Tensor EMBEDDING = GaussianNoise.sample(1, 1, 77, 768), NEGATIVE = GaussianNoise.sample(2, 1, 77, 768);
    static final Tensor X = GaussianNoise.sample(3, LATENTS);

    @BeforeAll
    static void stage() throws Exception {
        Path file = ControlnetLibrary.detinitFile();
        Files.createLink(dir.resolve("edges.safetensors"), file);
        Files.createLink(dir.resolve("depth.safetensors"), file);
        runner = new Runner(RuntimeConfig.defaults());
        unet = new LocalUNet(SD1Models.unet(SD1Weights.detinit()), null, new ControlnetLibrary(dir), LocalStages.DEFAULT_OPTIONS, null, runner);
    }

    static float[] noise(SD1Stages.ControlnetCondition... controlnets) {
        var c = new SD1Stages.Conditioning(EMBEDDING, NEGATIVE, 7.5, List.of(), LATENTS, null, null, List.of(controlnets));
        try (var d = unet.open(c)) {
            return d.guidedNoise(0, 500, X).toFloatArray();
        }
    }

    static SD1Stages.ControlnetCondition edges(double scale) {
        return new SD1Stages.ControlnetCondition("edges", GaussianNoise.sample(4, 1, 3, 64, 64), scale, 1.0);
    }

    @Test
    void aControlnetSetCompilesOnceWhateverItsScalesAndConditions() {
        float[] plain = noise();
        int sessions = runner.sessionCount();
        float[] strong = noise(edges(1.0));
        assertEquals(sessions + 1, runner.sessionCount());
        float[] weak = noise(edges(0.3));
        float[] other = noise(new SD1Stages.ControlnetCondition("edges", GaussianNoise.sample(5, 1, 3, 64, 64), 0.3, 0.825));
        assertEquals(sessions + 1, runner.sessionCount(), "scale, decay and condition changes need no new session");
        assertFalse(Arrays.equals(strong, weak));
        assertFalse(Arrays.equals(weak, other));
        assertFalse(Arrays.equals(plain, strong));
        float[] none = noise(edges(0.0));
        double worst = 0;
        for (int i = 0; i < plain.length; i++) worst = Math.max(worst, Math.abs(plain[i] - none[i]));
        assertTrue(worst < 1e-4, "a ControlNet at scale 0 changes nothing: " + worst);
        noise(edges(1.0), new SD1Stages.ControlnetCondition("depth", GaussianNoise.sample(6, 1, 3, 64, 64), 0.5, 1.0));
        assertEquals(sessions + 2, runner.sessionCount(), "another set, another session");
    }

    @Test
    void unknownControlnetsAndMissingInpaintingAreRefused() {
        var e = assertThrows(WeightsDirectory.NotFoundException.class,
                () -> noise(new SD1Stages.ControlnetCondition("nope", Tensor.zeros(DType.F32, 1, 3, 64, 64), 1, 1)));
        assertTrue(e.getMessage().startsWith("controlnets[0].name: "), e.getMessage());
        Tensor mask = Tensor.zeros(DType.F32, 1, 1, 8, 8), target = Tensor.zeros(DType.F32, LATENTS);
        assertFalse(unet.servesInpainting());
        assertThrows(IllegalStateException.class, () -> unet.open(new SD1Stages.Conditioning(EMBEDDING, NEGATIVE, 7.5, List.of(), LATENTS, mask, target, List.of())));
    }
}

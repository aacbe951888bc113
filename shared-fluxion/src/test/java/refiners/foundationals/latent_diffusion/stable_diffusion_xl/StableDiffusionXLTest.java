package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import refiners.LargestModels;
import refiners.fluxion.InvalidRequestException;
import refiners.fluxion.Tensor;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;

/**
 * StableDiffusion_XL in process with the full-size detinit models at a small size (64 x 64 pixels, 2 steps): text
 * to image and image to image through StableDiffusion_1's loop, the UNet's samples batched without changing a bit.
 * Heavy (about 14 GB of mapped weights): run it alone, under the heavy lock.
 */
@LargestModels
class StableDiffusionXLTest {
    static final int SIZE = 64;
    static final long[] LATENTS = {1, 4, SIZE / 8, SIZE / 8};
    static SDXLModels models;
    static LocalStages stages;
    static LocalUNet unet;

    @BeforeAll
    static void load() {
        models = SDXLModels.load(SDXLWeights.parse("detinit"));
        Runner runner = new Runner(RuntimeConfig.defaults());
        stages = models.stages(LocalStages.DEFAULT_OPTIONS, null, runner);
        unet = new LocalUNet(models.unet(), LocalStages.DEFAULT_OPTIONS, null, runner);
    }

    static GenerationRequest request(String prompt, long seed) {
        return new GenerationRequest(prompt, "blurry", 2, 5.0, "dpm", SIZE, SIZE, seed, List.of());
    }

    @Test
    void textToImageThenImageToImage() {
        GenerationResult t2i = StableDiffusion_XL.generate(request("a lighthouse", 7), stages, (s, n, t, x) -> {});
        assertArrayEquals(new long[] {1, 3, SIZE, SIZE}, t2i.image().shape());
        assertTrue(finite(t2i.image().toFloatArray()));
        Tensor init = Images.rgb(Images.toImage(t2i.image()));
        GenerationRequest i2i = new GenerationRequest("a lighthouse", "blurry", 2, 5.0, "dpm", SIZE, SIZE, 7, List.of(), init, 0.6, null, List.of());
        GenerationResult out = StableDiffusion_XL.generate(i2i, stages, (s, n, t, x) -> {});
        assertArrayEquals(t2i.image().shape(), out.image().shape());
        assertFalse(Arrays.equals(t2i.latents().toFloatArray(), out.latents().toFloatArray()));
    }

    @Test
    void samplesBatchedGiveTheirOwnNoiseAndTheTimeIdsReachTheUNet() {
        LocalUNet.Generation a = open(1, 128), b = open(2, 1024), aAt1024 = open(1, 1024);
        Tensor x = GaussianNoise.sample(3, LATENTS), y = GaussianNoise.sample(4, LATENTS);
        float[] aAlone = unet.guidedNoise(List.of(new LocalUNet.Step(a, 900, x))).get(0).toFloatArray();
        float[] bAlone = unet.guidedNoise(List.of(new LocalUNet.Step(b, 400, y))).get(0).toFloatArray();
        List<Tensor> together = unet.guidedNoise(List.of(new LocalUNet.Step(a, 900, x), new LocalUNet.Step(b, 400, y)));
        assertArrayEquals(aAlone, together.get(0).toFloatArray());
        assertArrayEquals(bAlone, together.get(1).toFloatArray());
        assertFalse(Arrays.equals(aAlone, unet.guidedNoise(List.of(new LocalUNet.Step(aAt1024, 900, x))).get(0).toFloatArray()));
    }

    /** A generation with its own embeddings (seeded) and the time ids of a size x size image. */
    static LocalUNet.Generation open(long seed, int size) {
        var textTime = new SD1Stages.TextTimeConditions(GaussianNoise.sample(seed, 1, 1280), GaussianNoise.sample(seed + 10, 1, 1280),
                StableDiffusion_XL.timeIds(size, size));
        return unet.open(new SD1Stages.Conditioning(GaussianNoise.sample(seed, 1, 77, 2048), GaussianNoise.sample(seed + 10, 1, 77, 2048), 5.0,
                List.of(), LATENTS, null, null, List.of(), null, null, textTime));
    }

    @Test
    void timeIdsAreRefinersOrderAndSizesFarFromTrainingWarn() {
        assertArrayEquals(new long[] {768, 1344, 0, 0, 768, 1344}, StableDiffusion_XL.timeIds(768, 1344).toLongArray());
        assertNull(StableDiffusion_XL.check(new GenerationRequest("", "", 2, 5, "dpm", 1024, 1024, 1, List.of())));
        assertNotNull(StableDiffusion_XL.check(request("", 1)));
        var mask = new GenerationRequest("", "", 2, 5, "dpm", 64, 64, 1, List.of(), Tensor.zeros(refiners.fluxion.DType.U8, 64, 64, 3), 1.0,
                Tensor.zeros(refiners.fluxion.DType.U8, 64, 64), List.of());
        assertEquals("mask", assertThrows(InvalidRequestException.class, () -> StableDiffusion_XL.check(mask)).field());
    }

    @Test
    void anSD1ConditioningIsRefusedBySDXLsUNet() {
        var sd1 = new SD1Stages.Conditioning(GaussianNoise.sample(1, 1, 77, 2048), GaussianNoise.sample(2, 1, 77, 2048), 5.0, List.of(), LATENTS);
        assertThrows(IllegalArgumentException.class, () -> unet.open(sd1));
    }

    static boolean finite(float[] v) {
        for (float f : v) if (!Float.isFinite(f)) return false;
        return true;
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.fluxion.Tensor;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/**
 * Steps batch by their generation's batch key (unet-svc's UNetSteps, Batcher): an SD 1.5 and an SDXL generation of the
 * same latent size never share a key, so never a UNet call. Opening runs no model: no weights needed.
 */
class FamilyBatchKeyTest {
    static final long[] LATENTS = {1, 4, 8, 8};

    @Test
    void sd15AndSdxlGenerationsNeverShareABatch() {
        Runner runner = new Runner(RuntimeConfig.defaults());
        LocalUNet sd15 = new LocalUNet(new SD1UNet(4), LocalStages.DEFAULT_OPTIONS, null, runner);
        LocalUNet sdxl = new LocalUNet(new SDXLUNet(4), LocalStages.DEFAULT_OPTIONS, null, runner);
        LocalUNet.Generation a = sd15.open(new SD1Stages.Conditioning(text(1, 768), text(2, 768), 7.5, List.of(), LATENTS));
        LocalUNet.Generation b = sdxl.open(xl(3)), c = sdxl.open(xl(4));
        assertEquals(b.batchKey(), c.batchKey());
        assertNotEquals(a.batchKey(), b.batchKey());
        Tensor x = GaussianNoise.sample(5, LATENTS);
        assertThrows(IllegalArgumentException.class, () -> sdxl.guidedNoise(List.of(new LocalUNet.Step(b, 500, x), new LocalUNet.Step(a, 500, x))));
    }

    private static Tensor text(long seed, int width) {
        return GaussianNoise.sample(seed, 1, 77, width);
    }

    private static SD1Stages.Conditioning xl(long seed) {
        Tensor pooled = GaussianNoise.sample(seed, 1, 1280);
        return new SD1Stages.Conditioning(text(seed, 2048), text(seed + 1, 2048), 5.0, List.of(), LATENTS, null, null, List.of(), null, null,
                new SD1Stages.TextTimeConditions(pooled, pooled, StableDiffusion_XL.timeIds(64, 64)));
    }
}

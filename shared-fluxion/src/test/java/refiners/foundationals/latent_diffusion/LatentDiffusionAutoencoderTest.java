package refiners.foundationals.latent_diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Autoencoder;

/** The [0, 1] image helpers are encode/decode with refiners' affine maps around them. */
class LatentDiffusionAutoencoderTest {
    static SD1Autoencoder lda;

    @BeforeAll
    static void weights() {
        lda = new SD1Autoencoder();
        lda.loadStateDict(DetInit.stateDict(lda.stateDictShapes(), 11));
    }

    @Test
    void imageToLatentsEncodesTwoImageMinusOne() {
        long[] shape = {1, 3, 16, 16};
        float[] unit = DetInit.tensor("test:image", shape, 1, 0.5, 0.5).toFloatArray();
        float[] signed = new float[unit.length];
        for (int i = 0; i < unit.length; i++) signed[i] = 2f * unit[i] - 1f;
        Tensor latents = lda.imageToLatents(Tensor.ofFloats(shape, unit));
        assertArrayEquals(new long[] {1, 4, 2, 2}, latents.shape());
        assertArrayEquals(lda.encode(Tensor.ofFloats(shape, signed)).toFloatArray(), latents.toFloatArray());
    }

    @Test
    void latentsToImageIsHalfDecodePlusOneClamped() {
        Tensor latents = DetInit.tensor("test:latents", new long[] {1, 4, 2, 2}, 2, 0, 1);
        float[] decoded = lda.decode(latents).toFloatArray();
        Tensor image = lda.latentsToImage(latents);
        assertArrayEquals(new long[] {1, 3, 16, 16}, image.shape());
        float[] pixels = image.toFloatArray();
        boolean clamped = false;
        for (int i = 0; i < pixels.length; i++) {
            float expected = Math.min(1f, Math.max(0f, (decoded[i] + 1f) / 2f));
            assertEquals(expected, pixels[i], 0f);
            clamped |= expected != (decoded[i] + 1f) / 2f;
            assertTrue(pixels[i] >= 0f && pixels[i] <= 1f);
        }
        assertTrue(clamped, "detinit weights should drive some pixels out of [-1, 1], exercising the clamp");
    }
}

package refiners.foundationals.latent_diffusion;

import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;

/**
 * Classifier-free guidance on a batch-2 UNet output (unconditional first, as refiners orders the embeddings):
 * uncond + scale * (cond - uncond), in float32 arithmetic (the same in process and in the UNet service).
 */
public final class ClassifierFreeGuidance {
    private ClassifierFreeGuidance() {}

    /** The UNet input for one latent: the latent twice (unconditional, conditional). */
    public static Tensor batch(Tensor latents) {
        return Tensors.concat(java.util.List.of(latents, latents));
    }

    public static Tensor combine(Tensor prediction, double scale) {
        long[] s = prediction.shape();
        if (s[0] != 2) throw new IllegalArgumentException("expected a batch of 2 predictions, got " + java.util.Arrays.toString(s));
        float[] p = prediction.toFloatArray();
        int half = p.length / 2;
        float g = (float) scale;
        float[] out = new float[half];
        for (int i = 0; i < half; i++) out[i] = p[i] + g * (p[half + i] - p[i]);
        s[0] = 1;
        return Tensor.ofFloats(s, out);
    }
}

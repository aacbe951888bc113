package refiners.training;

import java.util.Random;
import refiners.fluxion.Tensor;

/**
 * refiners' training {@code sample_noise}: randn(B, C, H, W) + offset_noise * randn(B, C, 1, 1). The offset shifts each
 * channel's mean, which lets a model learn a wider range of contrast (crosslabs.org/blog/diffusion-with-offset-noise).
 */
public final class DiffusionNoise {
    private DiffusionNoise() {}

    public static Tensor sample(Random random, long[] shape, double offsetNoise) {
        Tensor noise = gaussian(random, shape);
        Tensor offset = gaussian(random, new long[] {shape[0], shape[1], 1, 1});
        return withOffset(noise, offset, offsetNoise);
    }

    /** noise + offsetNoise * offset, offset (B, C, 1, 1) broadcast over space. */
    public static Tensor withOffset(Tensor noise, Tensor offset, double offsetNoise) {
        long[] s = noise.shape();
        if (s.length != 4 || offset.rank() != 4 || offset.dim(0) != s[0] || offset.dim(1) != s[1] || offset.dim(2) != 1 || offset.dim(3) != 1)
            throw new IllegalArgumentException("noise must be (B, C, H, W) and offset (B, C, 1, 1), got " + java.util.Arrays.toString(s) + " and " + java.util.Arrays.toString(offset.shape()));
        float[] n = noise.toFloatArray(), o = offset.toFloatArray();
        int plane = (int) (s[2] * s[3]);
        for (int i = 0; i < n.length; i++) n[i] = (float) (n[i] + offsetNoise * o[i / plane]);
        return Tensor.ofFloats(s, n);
    }

    static Tensor gaussian(Random random, long[] shape) {
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian();
        return Tensor.ofFloats(shape, v);
    }
}

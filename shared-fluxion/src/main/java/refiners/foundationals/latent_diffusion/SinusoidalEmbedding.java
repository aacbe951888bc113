package refiners.foundationals.latent_diffusion;

import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Value;

/**
 * refiners' compute_sinusoidal_embedding: t -> cat(cos(t f), sin(t f)) with f_i = exp(-ln(10000) i / half), i < half.
 * refiners computes it in float32 whatever the model dtype (a Converter casts it afterwards), and so does this: the
 * graph part (timestep to float32, times f, cos and sin) runs in float32, and f is a constant computed the way torch
 * computes it on CPU, so that it is bit-identical to refiners' (t * f reaches ~1000: one ulp of f shows).
 */
public final class SinusoidalEmbedding {
    private SinusoidalEmbedding() {}

    /** The half_dim frequencies: float32 steps in torch's order (scalar * arange, then / half_dim), then exp. */
    public static float[] frequencies(int embeddingDim) {
        int half = embeddingDim / 2;
        float minusLog10000 = (float) -Math.log(10000);
        float[] out = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = minusLog10000 * (float) i;
            exponent /= (float) half;
            out[i] = torchCpuExp(exponent);
        }
        return out;
    }

    /**
     * float32 exp as torch evaluates it on CPU (vectorized SLEEF expf, 1-ulp accurate, with fused multiply-adds):
     * x = q ln2 + s with q = rint(x / ln2) and ln2 split in two parts, exp(s) by a degree-7 polynomial, times 2^q.
     * It differs from the correctly rounded value for a few percent of inputs; refiners' embeddings carry those.
     */
    static float torchCpuExp(float x) {
        if (x < -104f) return 0f;
        if (x > 100f) return Float.POSITIVE_INFINITY;
        int q = (int) Math.rint(x * 1.442695040888963407359924681001892137426645954152985934135449406931f);
        float s = Math.fma((float) q, -0.693145751953125f, x);
        s = Math.fma((float) q, -1.428606765330187045e-06f, s);
        float u = 0.000198527617612853646278381f;
        u = Math.fma(u, s, 0.00139304355252534151077271f);
        u = Math.fma(u, s, 0.00833336077630519866943359f);
        u = Math.fma(u, s, 0.0416664853692054748535156f);
        u = Math.fma(u, s, 0.166666671633720397949219f);
        u = Math.fma(u, s, 0.5f);
        u = 1f + Math.fma(s * s, u, s);
        return Math.scalb(u, q);
    }

    /** (B,) timesteps of any numeric type -> (B, embeddingDim) float32 embedding. */
    public static Value compute(Value timestep, int embeddingDim) {
        float[] f = frequencies(embeddingDim);
        Value freqs = timestep.graph().constant(Tensor.ofFloats(new long[] {1, f.length}, f));
        Value angles = timestep.unsqueeze(1).cast(DType.F32).mul(freqs);
        return Value.concat(List.of(angles.cos(), angles.sin()), -1);
    }
}

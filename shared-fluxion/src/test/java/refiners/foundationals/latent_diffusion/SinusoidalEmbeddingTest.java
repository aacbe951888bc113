package refiners.foundationals.latent_diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Lambda;
import refiners.fluxion.runtime.Runner;

class SinusoidalEmbeddingTest {
    @Test
    void torchCpuExpIsWithinOneUlpOfExp() {
        int differing = 0, n = 0;
        for (float x = -10f; x <= 10f; x += 0.0137f, n++) {
            float e = SinusoidalEmbedding.torchCpuExp(x), exact = (float) Math.exp(x);
            assertTrue(Math.abs(e - exact) <= Math.ulp(exact), x + ": " + e + " vs " + exact);
            if (e != exact) differing++;
        }
        assertTrue(differing < n / 5, differing + " of " + n + " values differ from the correctly rounded exp");
        assertEquals(1f, SinusoidalEmbedding.torchCpuExp(0f));
    }

    @Test
    void embeddingIsCosThenSinOfTimestepTimesFrequencies() {
        float[] f = SinusoidalEmbedding.frequencies(8);
        Lambda embed = Lambda.of("compute_sinusoidal_embedding(x)", x -> SinusoidalEmbedding.compute(x, 8));
        float[] y = Runner.shared().forward(embed, Tensor.ofInts(new long[] {2}, 0, 500)).toFloatArray();
        assertEquals(16, y.length);
        for (int i = 0; i < 4; i++) {
            assertEquals(1f, y[i]);
            assertEquals(0f, y[4 + i]);
            float angle = 500f * f[i];
            assertEquals(Math.cos(angle), y[8 + i], 1e-6);
            assertEquals(Math.sin(angle), y[12 + i], 1e-6);
        }
    }
}

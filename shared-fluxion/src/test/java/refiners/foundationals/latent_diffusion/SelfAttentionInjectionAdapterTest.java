package refiners.foundationals.latent_diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.SelfAttention;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;

/**
 * style_cfg is a run-time input: one compiled graph serves every value, each call's value mixes the unconditional row
 * (y[0] = s guided + (1 - s) plain, linear in s), the conditional row does not depend on it; the printout shows the
 * constructor's value as refiners' repr does (only when it is not the default 0.5).
 */
class SelfAttentionInjectionAdapterTest {
    static final String CONTEXT = SelfAttentionInjectionPassthrough.normContext(0);

    static Chain adapted(double styleCfg) {
        Chain m = new Chain(new SelfAttention(8, 2));
        m.loadStateDict(DetInit.stateDict(m.stateDictShapes(), 5));
        new SelfAttentionInjectionAdapter(m.layers(SelfAttention.class).get(0), CONTEXT, styleCfg).inject();
        return m;
    }

    static float[] run(Runner runner, Chain m, double styleCfg) {
        Tensor x = DetInit.tensor("input:x", new long[] {2, 3, 8}, 5, 0, 1), norm = DetInit.tensor("input:norm", new long[] {2, 4, 8}, 6, 0, 1);
        Map<String, Map<String, Object>> ctx = Map.of(CONTEXT, Map.of("norm", norm),
                SelfAttentionInjectionPassthrough.CONTEXT, Map.copyOf(SelfAttentionInjectionAdapter.styleCfgContext(styleCfg)));
        return runner.run(m, CompileOptions.defaults(), List.of(x), ctx).output().toFloatArray();
    }

    @Test
    void oneGraphServesEveryStyleCfg() {
        try (Runner runner = new Runner(RuntimeConfig.defaults())) {
            Chain m = adapted(0.5);
            float[] plain = run(runner, m, 0), guided = run(runner, m, 1), mixed = run(runner, m, 0.3), other = run(runner, m, 0.7);
            assertEquals(1, runner.sessionCount(), "a style_cfg compiled a graph of its own");
            int row = plain.length / 2;
            assertFalse(Arrays.equals(Arrays.copyOf(plain, row), Arrays.copyOf(guided, row)), "the guide changes nothing");
            for (float[] y : List.of(guided, mixed, other))
                assertArrayEquals(Arrays.copyOfRange(plain, row, 2 * row), Arrays.copyOfRange(y, row, 2 * row), "style_cfg changed the conditional row");
            for (int i = 0; i < row; i++) {
                assertEquals(0.3f * guided[i] + 0.7f * plain[i], mixed[i], 1e-5, "unconditional value " + i + " at style_cfg 0.3");
                assertEquals(0.7f * guided[i] + 0.3f * plain[i], other[i], 1e-5, "unconditional value " + i + " at style_cfg 0.7");
            }
        }
    }

    @Test
    void printsStyleCfgLikeRefinersRepr() {
        assertTrue(adapted(0.3).structure().contains("SelfAttentionInjectionAdapter(context=" + CONTEXT + ", style_cfg=0.3)"), adapted(0.3).structure());
        assertTrue(adapted(0.5).structure().contains("SelfAttentionInjectionAdapter(context=" + CONTEXT + ")\n"), adapted(0.5).structure());
    }
}

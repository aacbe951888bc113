package refiners.foundationals.latent_diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.runtime.Runner;

/** Skip connections through the "unet" context: ResidualAccumulator stores x + residuals[n], ResidualConcatenator reads it back. */
class ResidualSkipTest {
    static final class TinyUNet extends Chain {
        TinyUNet() {
            super(new ResidualAccumulator(0), new Linear(3, 3), new ResidualConcatenator(-2));
        }

        @Override
        public Map<String, Map<String, Object>> initContext() {
            Map<String, Object> unet = new LinkedHashMap<>();
            unet.put("residuals", new ArrayList<Object>(Collections.nCopies(2, 0.0)));
            Map<String, Map<String, Object>> c = new LinkedHashMap<>();
            c.put("unet", unet);
            return c;
        }
    }

    @Test
    void accumulatedInputIsConcatenatedAfterTheBlock() {
        TinyUNet m = new TinyUNet();
        m.loadStateDict(DetInit.stateDict(m.stateDictShapes(), 7));
        Tensor x = DetInit.tensor("input:x", new long[] {2, 3}, 1, 0, 1);
        Tensor y = Runner.shared().forward(m, x);
        assertArrayEquals(new long[] {2, 6}, y.shape());
        float[] lin = Runner.shared().forward(((Linear) m.get("Linear")), x).toFloatArray(), xs = x.toFloatArray(), ys = y.toFloatArray();
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 3; i++) {
                assertEquals(lin[b * 3 + i], ys[b * 6 + i], 1e-6);
                assertEquals(xs[b * 3 + i], ys[b * 6 + 3 + i], 0f); // x + 0.0, stored in residuals[0]
            }
    }

    @Test
    void printsLikeRefiners() {
        String s = new TinyUNet().structure();
        assertTrue(s.contains("├── (PASS) ResidualAccumulator(n=0)\n"), s);
        assertTrue(s.contains("└── (CHAIN) ResidualConcatenator(n=-2)\n"), s);
    }
}

package refiners.fluxion.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.GeLU;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Multiply;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.SelfAttention;
import refiners.fluxion.runtime.Runner;

class AdapterApiTest {
    /** A custom adapter, as an example of the API: doubles its target's output. */
    static final class DoubleOutput extends Chain implements Adapter<Linear> {
        private final Linear target;

        DoubleOutput(Linear target) {
            super(List.of(target, new Multiply(2.0)), true);
            this.target = target;
        }

        @Override
        public Linear target() {
            return target;
        }
    }

    private static Chain model() {
        Chain m = new Chain(new Linear(8, 8), new Residual(new SelfAttention(8, 2), new GeLU()), new Linear(8, 4));
        m.loadStateDict(DetInit.stateDict(m.stateDictShapes(), 11));
        return m;
    }

    private static Tensor x() {
        return DetInit.tensor("input:x", new long[] {2, 3, 8}, 11, 0, 1);
    }

    @Test
    void customAdapterInjectsAtDepthAndEjectsExactly() {
        Chain m = model();
        String structure = m.structure();
        Map<String, long[]> keys = m.stateDictShapes();
        float[] before = Runner.shared().forward(m, x()).toFloatArray();
        Linear deep = m.layers(Linear.class, true).get(2); // the key projection inside the attention
        DoubleOutput a = new DoubleOutput(deep);
        a.inject();
        assertSame(a, m.findParent(deep));
        assertNotEquals(structure, m.structure());
        assertNotEquals(before[0], Runner.shared().forward(m, x()).toFloatArray()[0]);
        a.eject();
        assertEquals(structure, m.structure());
        assertEquals(List.copyOf(keys.keySet()), List.copyOf(m.stateDictShapes().keySet()));
        assertArrayEquals(before, Runner.shared().forward(m, x()).toFloatArray()); // bit-exact
        assertNull(a.parent());
    }

    @Test
    void loraAdapterRenamesSiblingsLikeRefiners() {
        Chain m = model();
        var attention = m.layers(SelfAttention.class, true).get(0);
        for (var w : attention.walk(Linear.class)) {
            Linear l = w.module();
            new LoraAdapter(l, new LinearLora("a", l.inFeatures(), l.outFeatures(), 2, 0.5)).inject(w.parent());
        }
        var keys = List.copyOf(m.stateDictShapes().keySet());
        assertEquals(true, keys.contains("Residual.SelfAttention.Distribute.LoraAdapter_1.Linear.weight"));
        assertEquals(true, keys.contains("Residual.SelfAttention.Distribute.LoraAdapter_1.LinearLora.Linear_1.weight"));
        assertEquals(true, keys.contains("Residual.SelfAttention.LoraAdapter.LinearLora.Linear_2.weight"));
    }

    @Test
    void severalLorasSumWithTheirScalesAndCanBeRemoved() {
        Chain m = model();
        float[] base = Runner.shared().forward(m, x()).toFloatArray();
        Linear first = (Linear) m.get(0);
        LinearLora a = new LinearLora("a", 8, 8, 2, 1.0), b = new LinearLora("b", 8, 8, 3, 1.0);
        a.loadStateDict(DetInit.stateDict(a.stateDictShapes(), 21));
        b.loadStateDict(DetInit.stateDict(b.stateDictShapes(), 22));
        LoraAdapter adapter = new LoraAdapter(first, a);
        adapter.inject();
        adapter.addLora(b);
        assertEquals(List.of("a", "b"), adapter.names());
        assertThrows(IllegalArgumentException.class, () -> adapter.addLora(new LinearLora("a", 8, 8, 2, 1.0)));
        float[] both = Runner.shared().forward(m, x()).toFloatArray();
        adapter.setScale("a", 0.0);
        adapter.setScale("b", 0.0);
        assertArrayEquals(base, Runner.shared().forward(m, x()).toFloatArray(), 1e-6f);
        adapter.setScale("a", 1.0);
        adapter.setScale("b", 1.0);
        assertArrayEquals(both, Runner.shared().forward(m, x()).toFloatArray());
        assertSame(b, adapter.removeLora("b"));
        assertNull(adapter.removeLora("b"));
        assertEquals(Map.of("a", 1.0), adapter.scales());
        adapter.eject();
        assertArrayEquals(base, Runner.shared().forward(m, x()).toFloatArray());
    }
}

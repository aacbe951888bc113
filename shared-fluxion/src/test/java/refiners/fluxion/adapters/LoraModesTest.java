package refiners.fluxion.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Flatten;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.layers.Transpose;
import refiners.fluxion.runtime.Runner;

/** The three ways to run LoRAs agree: adapters in the structure, fused weights, run-time slots. */
class LoraModesTest {
    private static Chain model() {
        Chain m = new Chain(Conv2d.noBias(3, 8, 3, 1, 1), new SiLU(), new Conv2d(8, 8, 1), new Flatten(2), new Transpose(1, 2), new Linear(8, 6));
        m.loadStateDict(DetInit.stateDict(m.stateDictShapes(), 31));
        return m;
    }

    private static Tensor x() {
        return DetInit.tensor("input:x", new long[] {2, 3, 5, 5}, 31, 0, 1);
    }

    private static LoraWeights lora(String target, long[] down, long[] up, int seed, double factor) {
        return new LoraWeights(target, DetInit.tensor("d", down, seed, 0, 0.3), DetInit.tensor("u", up, seed, 0, 0.3), factor);
    }

    private static List<LoraWeights> set() {
        return List.of(
                lora("Conv2d_1", new long[] {2, 3, 3, 3}, new long[] {8, 2, 1, 1}, 1, 0.5),
                lora("Conv2d_2", new long[] {4, 8, 1, 1}, new long[] {8, 4, 1, 1}, 2, 0.75),
                lora("Linear", new long[] {2, 8}, new long[] {6, 2}, 3, 1.0),
                lora("Linear", new long[] {3, 8}, new long[] {6, 3}, 4, -0.25)); // two LoRAs on one layer
    }

    /** The structural way: a LoraAdapter per layer holding Linear/Conv2dLora layers. */
    private static float[] withAdapters(List<LoraWeights> loras) {
        Chain m = model();
        Map<String, refiners.fluxion.layers.Module> layers = new java.util.HashMap<>();
        for (LoraWeights w : loras) layers.put(w.target(), m.get(w.target())); // names change as adapters go in
        Map<String, LoraAdapter> adapters = new java.util.HashMap<>();
        int n = 0;
        for (LoraWeights w : loras) {
            var layer = (refiners.fluxion.layers.WeightedModule) layers.get(w.target());
            Lora<?> l = layer instanceof Linear
                    ? LinearLora.fromWeights("l" + n++, w.down(), w.up(), w.factor())
                    : Conv2dLora.fromWeights("l" + n++, w.down(), w.up(), w.factor(), 1);
            LoraAdapter a = adapters.get(w.target());
            if (a == null) {
                a = new LoraAdapter(layer, l);
                a.inject(m);
                adapters.put(w.target(), a);
            } else {
                a.addLora(l);
            }
        }
        return Runner.shared().forward(m, x()).toFloatArray();
    }

    @Test
    void fusedSlotsAndAdaptersAgree() {
        float[] adapters = withAdapters(set());
        float[] fused = Runner.shared().forward(LoraFusion.fuse(model(), set()), x()).toFloatArray();
        Chain m = model();
        LoraSlots slots = LoraSlots.install(m, l -> true);
        CompileOptions o = LoraSlots.options(CompileOptions.defaults());
        float[] dynamic = Runner.shared().run(m, o, List.of(x()), slots.feeds(set())).output().toFloatArray();
        assertArrayEquals(adapters, fused, 1e-5f);
        assertArrayEquals(adapters, dynamic, 1e-5f);
    }

    @Test
    void slotsSwitchSetsWithoutANewSessionAndEmptyIsTheBaseModel() {
        float[] base = Runner.shared().forward(model(), x()).toFloatArray();
        Chain m = model();
        LoraSlots slots = LoraSlots.install(m, l -> true);
        CompileOptions o = LoraSlots.options(CompileOptions.defaults());
        assertArrayEquals(base, Runner.shared().run(m, o, List.of(x()), slots.feeds(List.of())).output().toFloatArray());
        float[] one = Runner.shared().run(m, o, List.of(x()), slots.feeds(set().subList(0, 1))).output().toFloatArray();
        float[] all = Runner.shared().run(m, o, List.of(x()), slots.feeds(set())).output().toFloatArray();
        assertArrayEquals(withAdapters(set().subList(0, 1)), one, 1e-5f);
        assertArrayEquals(withAdapters(set()), all, 1e-5f);
        assertArrayEquals(base, Runner.shared().run(m, o, List.of(x()), slots.feeds(List.of())).output().toFloatArray());
        assertEquals(List.of("Conv2d_1", "Conv2d_2", "Linear"), List.copyOf(slots.keys()));
        assertThrows(IllegalArgumentException.class, () -> slots.feeds(List.of(lora("Nope", new long[] {1, 8}, new long[] {6, 1}, 5, 1))));
    }

    @Test
    void fusionLeavesTheOriginalUntouched() {
        Chain m = model();
        float[] base = Runner.shared().forward(m, x()).toFloatArray();
        LoraFusion.fuse(m, set());
        assertArrayEquals(base, Runner.shared().forward(m, x()).toFloatArray());
    }
}

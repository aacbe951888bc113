package refiners.fluxion.compile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Parallel;
import refiners.fluxion.layers.SetContext;
import refiners.fluxion.layers.Sum;
import refiners.fluxion.layers.UseContext;
import refiners.fluxion.runtime.Runner;

class ContextAndCompileTest {
    private static Tensor input(long... shape) {
        return DetInit.tensor("input:x", shape, 1, 0, 1);
    }

    @Test
    void missingContextIsAnErrorNamingTheKey() {
        Chain m = new Chain(new Sum(new Linear(4, 4), new UseContext("extra", "bias")));
        m.loadStateDict(DetInit.stateDict(m.stateDictShapes(), 1));
        CompileException e = assertThrows(CompileException.class, () -> Runner.shared().forward(m, input(2, 4)));
        assertTrue(e.getMessage().contains("extra"), e.getMessage());
        m.setContext("extra", Map.of("other", input(4)));
        e = assertThrows(CompileException.class, () -> Runner.shared().forward(m, input(2, 4)));
        assertTrue(e.getMessage().contains("extra.bias"), e.getMessage());
    }

    @Test
    void contextTensorsAreGraphInputsAndSetContextIsAnEdge() {
        Chain m = new Chain(
                new SetContext("memo", "x"),
                new Linear(4, 4),
                new Sum(new UseContext("memo", "x"), new UseContext("run", "offset")));
        m.loadStateDict(DetInit.stateDict(m.stateDictShapes(), 1));
        Tensor x = input(2, 4);
        m.setContext("run", Map.of("offset", Tensor.ofFloats(new long[] {4}, 1, 2, 3, 4)));
        float[] y1 = Runner.shared().forward(m, x).toFloatArray();
        m.setContext("run", Map.of("offset", Tensor.ofFloats(new long[] {4}, 2, 3, 4, 5)));
        float[] y2 = Runner.shared().forward(m, x).toFloatArray(); // same session, new context value
        for (int i = 0; i < y1.length; i++) assertEquals(y1[i] + 1, y2[i], 1e-6);
        float[] xs = x.toFloatArray();
        for (int i = 0; i < xs.length; i++) assertEquals(xs[i] + 1 + i % 4, y1[i], 1e-6); // memo.x is the input
    }

    @Test
    void perCallContextsLeaveTheModelUntouchedAndAreThreadSafe() throws Exception {
        Chain m = new Chain(new Sum(new Linear(4, 4), new UseContext("run", "offset")));
        m.loadStateDict(DetInit.stateDict(m.stateDictShapes(), 5));
        Tensor x = input(2, 4);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<float[]>>();
            for (int i = 0; i < 16; i++) {
                float o = i;
                futures.add(pool.submit(() -> Runner.shared().run(m, CompileOptions.defaults(), List.of(x),
                        Map.of("run", Map.of("offset", Tensor.ofFloats(new long[] {4}, o, o, o, o)))).output().toFloatArray()));
            }
            float[] base = futures.get(0).get();
            for (int i = 0; i < 16; i++) {
                float[] y = futures.get(i).get();
                for (int j = 0; j < y.length; j++) assertEquals(base[j] + i, y[j], 1e-5);
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(null, m.context("run"));
    }

    @Test
    void dynamicShapePolicyServesManyShapesWithOneSession() {
        Linear l = new Linear(8, 3);
        l.loadStateDict(DetInit.stateDict(l.stateDictShapes(), 2));
        CompileOptions dyn = CompileOptions.defaults().withShapePolicy(ShapePolicy.DYNAMIC_BATCH);
        Tensor a = Runner.shared().run(l, dyn, List.of(input(2, 5, 8))).output();
        Tensor b = Runner.shared().run(l, dyn, List.of(input(4, 5, 8))).output();
        assertArrayEquals(new long[] {4, 5, 3}, b.shape());
        assertArrayEquals(new long[] {2, 5, 3}, a.shape());
    }

    @Test
    void tapsReturnInnerOutputs() {
        Linear inner = new Linear(4, 4);
        Chain m = new Chain(inner, new Parallel(new Linear(4, 2), new Linear(4, 3)));
        m.loadStateDict(DetInit.stateDict(m.stateDictShapes(), 3));
        var r = Runner.shared().run(m, CompileOptions.defaults().withTaps(List.of(inner)), List.of(input(2, 4)));
        assertEquals(2, r.outputs().size());
        assertArrayEquals(Runner.shared().forward(inner, input(2, 4)).toFloatArray(), r.tap(inner).toFloatArray());
    }

    @Test
    void float16ModeCompilesAndStaysClose() {
        Chain m = new Chain(new Linear(16, 16), new Linear(16, 4));
        m.loadStateDict(DetInit.stateDict(m.stateDictShapes(), 4));
        Tensor x = input(3, 16);
        float[] f32 = Runner.shared().forward(m, x).toFloatArray();
        Tensor h = Runner.shared().run(m, CompileOptions.defaults().withDtype(DType.F16), List.of(x)).output();
        assertEquals(DType.F32, h.dtype()); // float inputs and outputs stay F32 at the boundary
        float[] f16 = h.toFloatArray();
        for (int i = 0; i < f32.length; i++) assertEquals(f32[i], f16[i], 1e-2 * (1 + Math.abs(f32[i])));
    }
}

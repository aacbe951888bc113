package refiners.fluxion.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.onnx.Onnx.ModelProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;

/** INT8 quantization lowers Linear and wide Conv2d to ONNX Runtime's integer kernels, close to float32. */
class Int8QuantizationTest {
    private static final CompileOptions INT8 = CompileOptions.defaults().withQuantization(Quantization.INT8);

    @Test
    void convolutionsRunAsConvIntegerExceptNarrowOnesAndStayCloseToFloat() throws Exception {
        Chain model = new Chain(new Conv2d(4, 32, 3, 1, 1), new SiLU(), new Conv2d(32, 32, 3, 1, 1), new SiLU(), new Conv2d(32, 64, 1));
        Tensor x = DetInit.tensor("input:int8", new long[] {2, 4, 9, 7}, 1, 0, 1);
        List<NodeProto> nodes = compareWithFloat(model, x);
        assertEquals(2, count(nodes, "ConvInteger"), "the 32-channel convolutions");
        assertEquals(1, count(nodes, "Conv"), "the 4-channel input convolution stays float");
    }

    @Test
    void linearLayersRunAsDynamicQuantizeMatMulAndStayCloseToFloat() throws Exception {
        Chain model = new Chain(new Linear(64, 96), new SiLU(), new Linear(96, 32, false));
        Tensor x = DetInit.tensor("input:int8", new long[] {2, 5, 64}, 2, 0, 1);
        List<NodeProto> nodes = compareWithFloat(model, x);
        assertEquals(2, count(nodes, "DynamicQuantizeMatMul"));
        assertEquals(0, count(nodes, "Gemm") + count(nodes, "MatMul"));
    }

    @Test
    void aRunnerKeepsTheFloatAndTheInt8SessionsOfAModelApart() {
        Linear linear = new Linear(16, 16);
        linear.loadStateDict(DetInit.stateDict(linear.stateDictShapes(), 4));
        Tensor x = DetInit.tensor("input:int8", new long[] {3, 16}, 4, 0, 1);
        try (Runner runner = new Runner(RuntimeConfig.defaults().withThreads(1))) {
            float[] f = runner.run(linear, CompileOptions.defaults(), List.of(x)).output().toFloatArray();
            float[] q = runner.run(linear, INT8, List.of(x)).output().toFloatArray();
            assertFalse(java.util.Arrays.equals(f, q), "the int8 run reused the float32 session");
        }
    }

    @Test
    void int8NeedsFloat32OnnxRuntimeOperatorsAndTheCpu() {
        assertThrows(IllegalArgumentException.class, () -> INT8.withDtype(DType.F16));
        assertThrows(IllegalArgumentException.class, () -> INT8.withOperators(Operators.STANDARD));
        Linear linear = new Linear(8, 8);
        linear.loadStateDict(DetInit.stateDict(linear.stateDictShapes(), 3));
        var e = assertThrows(IllegalArgumentException.class,
                () -> Compiler.compile(linear, List.of(new Compiler.InputSpec(DType.F32, new long[] {1, 8})), INT8, "cuda"));
        assertTrue(e.getMessage().contains("cpu only"), e.getMessage());
    }

    /** Runs both ways; the int8 output is near float32's (per-channel weights, 8-bit activations), not equal to it. */
    private static List<NodeProto> compareWithFloat(Module model, Tensor x) throws Exception {
        model.loadStateDict(DetInit.stateDict(model.stateDictShapes(), 5));
        try (Runner runner = new Runner(RuntimeConfig.defaults().withThreads(1).withNchwcConvolutions(false));
             CompiledModel f = runner.compile(model, CompileOptions.defaults(), List.of(x), Map.of());
             CompiledModel q = runner.compile(model, INT8, List.of(x), Map.of())) {
            float[] a = f.run(List.of(x), Map.of()).output().toFloatArray(), b = q.run(List.of(x), Map.of()).output().toFloatArray();
            double diff = 0, ref = 0;
            for (int i = 0; i < a.length; i++) {
                diff += Math.abs(a[i] - b[i]);
                ref += Math.abs(a[i]);
            }
            assertTrue(diff > 0 && diff / ref < 0.05, "mean |int8 - float32| / mean |float32| = " + diff / ref);
            return ModelProto.parseFrom(q.graph().model()).getGraph().getNodeList();
        }
    }

    private static long count(List<NodeProto> nodes, String op) {
        return nodes.stream().filter(n -> n.getOpType().equals(op)).count();
    }
}

package refiners.fluxion.autodiff;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.fluxion.compile.Attr;

/**
 * Every vector-Jacobian rule checked alone against central differences: float64 where ONNX Runtime's CPU kernels have
 * it (error <= 1e-6 of the gradient's scale), float32 for Erf, Sin/Cos, Gelu, FusedMatMul, Conv, ConvTranspose, Resize,
 * GroupNormalization and InstanceNormalization (error <= 2e-3 of the gradient's scale, differences with eps 3e-3).
 */
class VjpRulesTest {
    private static final int D = TensorInfo.DOUBLE, F = TensorInfo.FLOAT;

    // ------------------------------------------------------------ elementwise, with broadcasting

    @Test
    void addSubMulDivWithBroadcasting() {
        GradientCheck.f64().input("a", 2, 3, 4).input("b", 3, 1).check(w -> w.add("a", "b"));
        GradientCheck.f64().input("a", 2, 3).input("b", 3).check(w -> w.sub("a", "b"));
        GradientCheck.f64().input("a", 2, 3, 4).input("b", 1, 3, 1).check(w -> w.mul("a", "b"));
        GradientCheck.f64().input("a", 2, 3).input(GradientCheck.Input.of("b", 2, 1).range(0.5, 1.5)).check(w -> w.div("a", "b"));
        GradientCheck.f64().input("a", 2, 3).input("b", 3).input("c", 2, 1).check(w -> w.node("Sum", List.of("a", "b", "c")));
        GradientCheck.f64().input("a", 3, 4).check(w -> w.mul(w.add("a", "a"), "a")); // one value read by several nodes
    }

    @Test
    void unaryOps() {
        for (String op : List.of("Neg", "Exp", "Tanh", "Sigmoid", "Relu", "Identity"))
            GradientCheck.f64().input("x", 3, 5).check(w -> w.node(op, List.of("x")));
        for (String op : List.of("Sqrt", "Log", "Reciprocal"))
            GradientCheck.f64().input(GradientCheck.Input.of("x", 3, 5).range(0.5, 2)).check(w -> w.node(op, List.of("x")));
        GradientCheck.f64().input(GradientCheck.Input.of("x", 3, 5).range(0.5, 2)).check(w -> w.node("Pow", List.of("x", w.scalar(3, D))));
        for (String op : List.of("Erf", "Sin", "Cos")) GradientCheck.f32().input("x", 3, 5).check(w -> w.node(op, List.of("x")));
        GradientCheck.f32().input("x", 3, 5).check(w -> w.cast(w.mul(w.cast("x", D), w.cast("x", D)), F));
    }

    @Test
    void gelu() {
        GradientCheck.f32().input(GradientCheck.Input.of("x", 4, 6).range(-3, 3)).check(w -> w.node("Gelu", List.of("x"), Attr.s("approximate", "none")));
        GradientCheck.f32().input(GradientCheck.Input.of("x", 4, 6).range(-3, 3)).check(w -> w.node("Gelu", List.of("x"), Attr.s("approximate", "tanh")));
    }

    @Test
    void softmaxAndWhere() {
        GradientCheck.f64().input("x", 2, 3, 5).check(w -> w.node("Softmax", List.of("x"), Attr.i("axis", -1)));
        GradientCheck.f64().input("x", 2, 3, 5).check(w -> w.node("Softmax", List.of("x"), Attr.i("axis", 1)));
        GradientCheck.f64().input("x", 2, 5).check(w -> w.node("LogSoftmax", List.of("x"), Attr.i("axis", -1)));
        // the condition depends on a but is boolean: no gradient flows through it
        GradientCheck.f64().input("a", 3, 4).input("b", 4).check(w -> w.node("Where", List.of(w.node("Greater", List.of("a", w.scalar(0, D))), "a", "b")));
    }

    // ------------------------------------------------------------ products

    @Test
    void matMul() {
        GradientCheck.f64().input("a", 2, 3, 4).input("b", 4, 5).check(w -> w.node("MatMul", List.of("a", "b")));
        GradientCheck.f64().input("a", 2, 1, 3, 4).input("b", 3, 4, 2).check(w -> w.node("MatMul", List.of("a", "b")));
        GradientCheck.f64().input("a", 3, 4).input("b", 2, 4, 5).check(w -> w.node("MatMul", List.of("a", "b")));
    }

    @Test
    void fusedMatMul() {
        // x @ W^T with a (out, in) weight: a Linear, and the LoRA down/up pair.
        GradientCheck.f32().input("x", 2, 3, 4).input("w", 5, 4).check(w -> w.contrib("FusedMatMul", List.of("x", "w"), Attr.i("transB", 1)));
        GradientCheck.f32().input("x", 2, 3, 4).input("down", 2, 4).input("up", 5, 2)
                .check(w -> w.contrib("FusedMatMul", List.of(w.contrib("FusedMatMul", List.of("x", "down"), Attr.i("transB", 1)), "up"), Attr.i("transB", 1)));
        GradientCheck.f32().input("a", 2, 4, 3).input("b", 2, 4, 5).check(w -> w.contrib("FusedMatMul", List.of("a", "b"), Attr.i("transA", 1), Attr.f("alpha", 0.5)));
        GradientCheck.f32().input("a", 2, 4, 3).input("b", 5, 4).check(w -> w.contrib("FusedMatMul", List.of("a", "b"), Attr.i("transA", 1), Attr.i("transB", 1)));
        GradientCheck.f32().input("a", 3, 4).input("b", 2, 4, 5).check(w -> w.contrib("FusedMatMul", List.of("a", "b"), Attr.f("alpha", 2)));
    }

    @Test
    void gemm() {
        GradientCheck.f64().input("a", 3, 4).input("b", 5, 4).input("c", 5).check(w -> w.node("Gemm", List.of("a", "b", "c"), Attr.i("transB", 1)));
        GradientCheck.f64().input("a", 4, 3).input("b", 4, 5).input("c", 3, 1)
                .check(w -> w.node("Gemm", List.of("a", "b", "c"), Attr.i("transA", 1), Attr.f("alpha", 0.5), Attr.f("beta", 2)));
    }

    @Test
    void conv() {
        // 3x3 stride 1 (ResNet), 3x3 stride 2 (Downsample: the input gradient needs output padding), 1x1, dilation 2, groups
        GradientCheck.f32().input("x", 2, 3, 5, 5).input("k", 4, 3, 3, 3).input("b", 4)
                .check(w -> w.node("Conv", List.of("x", "k", "b"), Attr.ints("kernel_shape", 3, 3), Attr.ints("pads", 1, 1, 1, 1)));
        GradientCheck.f32().input("x", 1, 2, 8, 8).input("k", 3, 2, 3, 3).input("b", 3)
                .check(w -> w.node("Conv", List.of("x", "k", "b"), Attr.ints("strides", 2, 2), Attr.ints("pads", 1, 1, 1, 1)));
        GradientCheck.f32().input("x", 1, 2, 7, 6).input("k", 3, 2, 3, 3)
                .check(w -> w.node("Conv", List.of("x", "k"), Attr.ints("strides", 2, 2), Attr.ints("pads", 1, 1, 1, 1)));
        GradientCheck.f32().input("x", 2, 4, 3, 3).input("k", 2, 4, 1, 1).check(w -> w.node("Conv", List.of("x", "k")));
        GradientCheck.f32().input("x", 1, 2, 7, 7).input("k", 2, 2, 3, 3).check(w -> w.node("Conv", List.of("x", "k"), Attr.ints("dilations", 2, 2), Attr.ints("pads", 2, 2, 2, 2)));
        GradientCheck.f32().input("x", 1, 4, 4, 4).input(GradientCheck.Input.of("k", 4, 2, 3, 3).frozen()).input("b", 4)
                .check(w -> w.node("Conv", List.of("x", "k", "b"), Attr.i("group", 2), Attr.ints("pads", 1, 1, 1, 1)));
    }

    // ------------------------------------------------------------ normalizations

    @Test
    void groupNormalization() {
        // float32: ONNX Runtime's float64 GroupNormalization (a function expansion) does not compute opset 21's per-channel affine
        GradientCheck.f32().input("x", 2, 4, 3, 3).input(GradientCheck.Input.of("scale", 4).range(0.5, 1.5)).input("bias", 4)
                .check(w -> w.node("GroupNormalization", List.of("x", "scale", "bias"), Attr.i("num_groups", 2), Attr.f("epsilon", 1e-5)));
        GradientCheck.f32().input("x", 1, 6, 4).input("scale", 6).input("bias", 6)
                .check(w -> w.node("GroupNormalization", List.of("x", "scale", "bias"), Attr.i("num_groups", 3), Attr.f("epsilon", 1e-6)));
    }

    @Test
    void instanceNormalization() {
        // float32: ONNX Runtime's CPU InstanceNormalization has no float64 kernel
        GradientCheck.f32().input("x", 2, 4, 3, 3).input(GradientCheck.Input.of("scale", 4).range(0.5, 1.5)).input("bias", 4)
                .check(w -> w.node("InstanceNormalization", List.of("x", "scale", "bias"), Attr.f("epsilon", 1e-5)));
        GradientCheck.f32().input("x", 1, 6, 5).input("scale", 6).input("bias", 6)
                .check(w -> w.node("InstanceNormalization", List.of("x", "scale", "bias"), Attr.f("epsilon", 1e-6)));
    }

    @Test
    void layerNormalization() {
        GradientCheck.f64().input("x", 2, 3, 8).input(GradientCheck.Input.of("scale", 8).range(0.5, 1.5)).input("bias", 8)
                .check(w -> w.node("LayerNormalization", List.of("x", "scale", "bias"), Attr.i("axis", -1), Attr.f("epsilon", 1e-5)));
        GradientCheck.f64().input("x", 2, 3, 4).input("scale", 3, 4)
                .check(w -> w.node("LayerNormalization", List.of("x", "scale"), Attr.i("axis", 1)));
    }

    // ------------------------------------------------------------ data movement and reductions

    @Test
    void shapeOps() {
        GradientCheck.f64().input("x", 2, 3, 4).check(w -> w.reshape("x", 6, -1));
        GradientCheck.f64().input("x", 2, 3, 4).check(w -> w.node("Flatten", List.of("x"), Attr.i("axis", 2)));
        GradientCheck.f64().input("x", 2, 3, 4).check(w -> w.transpose("x", 2, 0, 1));
        GradientCheck.f64().input("x", 2, 1, 4).check(w -> w.node("Squeeze", List.of("x", w.longs(1))));
        GradientCheck.f64().input("x", 2, 4).check(w -> w.node("Unsqueeze", List.of("x", w.longs(0, 2))));
        GradientCheck.f64().input("x", 3, 1).check(w -> w.node("Expand", List.of("x", w.longs(2, 3, 4))));
        GradientCheck.f64().input("a", 2, 1, 3).input("b", 2, 2, 3).input("c", 2, 3, 3).check(w -> w.node("Concat", List.of("a", "b", "c"), Attr.i("axis", 1)));
        GradientCheck.f64().input("x", 2, 6, 3).check(w -> {
            List<String> parts = w.nodeN("Split", "", List.of("x"), 2, Attr.i("axis", 1), Attr.i("num_outputs", 2));
            return w.mul(parts.get(0), w.node("Sigmoid", List.of(parts.get(1)))); // refiners' GLU-style chunk
        });
        GradientCheck.f64().input("x", 2, 6, 3).check(w -> w.nodeN("Split", "", List.of("x", w.longs(1, 5)), 2, Attr.i("axis", 1)).get(1)); // one part unused
        GradientCheck.f64().input("x", 2, 5, 4).check(w -> w.node("Slice", List.of("x", w.longs(1, -3), w.longs(3, 100), w.longs(1, 2))));
        GradientCheck.f64().input("x", 1, 2, 3, 3).check(w -> w.node("Pad", List.of("x", w.longs(0, 0, 1, 0, 0, 0, 2, 1)), Attr.s("mode", "constant")));
        GradientCheck.f64().input("x", 4, 4).check(w -> w.node("Trilu", List.of("x", w.longScalar(1)), Attr.i("upper", 1)));
        GradientCheck.f32().input("x", 1, 2, 3, 4).check(w -> w.node("Resize", Arrays.asList("x", null, null, w.longs(1, 2, 6, 8)),
                Attr.s("mode", "nearest"), Attr.s("coordinate_transformation_mode", "asymmetric"), Attr.s("nearest_mode", "floor")));
    }

    @Test
    void reductions() {
        GradientCheck.f64().input("x", 2, 3, 4).check(w -> w.reduceSum("x", new long[] {1}, true));
        GradientCheck.f64().input("x", 2, 3, 4).check(w -> w.reduceMean("x", new long[] {0, 2}, false));
        GradientCheck.f64().input("x", 2, 3, 4).check(w -> w.node("ReduceMean", List.of("x"), Attr.i("keepdims", 0)));
    }

    @Test
    void attentionLikeChain() {
        // softmax(q k^T / sqrt(d)) v with q, k, v from one input: contributions from several paths add up.
        GradientCheck.f64().input("x", 2, 3, 4).input("wq", 4, 4).input("wv", 4, 4).check(w -> {
            String q = w.node("MatMul", List.of("x", "wq")), v = w.node("MatMul", List.of("x", "wv"));
            String s = w.mul(w.node("MatMul", List.of(q, w.transposeLast("x"))), 0.5);
            return w.node("MatMul", List.of(w.node("Softmax", List.of(s), Attr.i("axis", -1)), v));
        });
    }

    // ------------------------------------------------------------ errors

    @Test
    void unknownOpOnThePathIsNamed() {
        GradientCheck c = GradientCheck.f32().input("x", 3, 4);
        var fwd = c.forward(w -> w.node("Floor", List.of(w.mul("x", 2))));
        var e = assertThrows(UnsupportedOperationException.class, () -> ReverseMode.vjp(fwd, "y", List.of("x"), List.of()));
        assertTrue(e.getMessage().contains("op Floor"), e.getMessage());
        var fused = c.forward(w -> w.contrib("BiasGelu", List.of("x", w.reduceSum("x", new long[] {0}, false))));
        e = assertThrows(UnsupportedOperationException.class, () -> ReverseMode.vjp(fused, "y", List.of("x"), List.of()));
        assertTrue(e.getMessage().contains("com.microsoft:BiasGelu"), e.getMessage());
    }

    @Test
    void offPathOpsNeedNoRule() {
        // Floor on a branch that does not depend on x: fine.
        GradientCheck.f64().input("x", 3, 4).input(GradientCheck.Input.of("c", 3, 4).frozen()).check(w -> w.mul("x", w.node("Floor", List.of("c"))));
    }

    @Test
    void gatherDataGradientIsRefused() {
        GradientCheck c = GradientCheck.f64().input("table", 5, 3);
        var fwd = c.forward(w -> w.node("Gather", List.of("table", w.longs(0, 3, 3))));
        var e = assertThrows(UnsupportedOperationException.class, () -> ReverseMode.vjp(fwd, "y", List.of("table"), List.of()));
        assertTrue(e.getMessage().contains("Gather"), e.getMessage());
    }
}

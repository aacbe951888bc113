package refiners.fluxion.compile;

import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.onnx.Onnx.AttributeProto;
import refiners.fluxion.layers.Module;

/**
 * Linear and Conv2d lowered to ONNX Runtime's integer kernels when the options ask for INT8: weights per output
 * channel (Int8Weights), activations quantized per call over the whole tensor (uint8, DynamicQuantizeLinear), int32
 * products scaled back to float. The forms are the ones bench-int8-ops found faster than float32 on this CPU.
 */
public final class Int8 {
    private Int8() {}

    /** Whether {@code g} lowers matrix products to int8; convolutions also need enough channels (see conv). */
    public static boolean applies(Graph g) {
        return g.options().quantization() == Quantization.INT8 && g.computeType() == DType.F32;
    }

    /** x·W^T + b as one DynamicQuantizeMatMul (u8 × s8 GEMM, weights prepacked when prepacking is on). */
    public static Value linear(Graph g, Module linear, Value x, boolean bias) {
        Value[] w = g.int8Weight(linear, "weight", false);
        long[] out = x.shape();
        out[out.length - 1] = w[0].dim(1);
        List<Value> in = new ArrayList<>(List.of(x, w[0], w[1]));
        if (bias) {
            in.add(null); // no weight zero point: symmetric
            in.add(g.weight(linear, "bias"));
        }
        return g.node("DynamicQuantizeMatMul", "com.microsoft", in, List.of(), DType.F32, out);
    }

    /**
     * A convolution as ConvInteger (im2col and a u8 × u8 GEMM: ONNX Runtime's only integer convolution whose output
     * needs no scale known in advance), the int32 result scaled by input scale × channel scale, plus the bias.
     */
    public static Value conv(Graph g, Module conv, Value x, List<AttributeProto> attrs, long[] out, boolean bias) {
        Value[] w = g.int8Weight(conv, "weight", true);
        List<Value> q = g.nodeN("DynamicQuantizeLinear", List.of(x), List.of(), DType.U8, new long[][] {x.shape(), {}, {}});
        Value scale = new Value(g, q.get(1).name(), DType.F32, new long[0], null);
        Tensor zero = new Tensor(DType.U8, new long[] {1}, Tensor.allocate(1).put(0, (byte) 128));
        Value y = g.node("ConvInteger", List.of(q.get(0), w[0], q.get(2), g.constant(zero)), attrs, DType.I32, out).cast(DType.F32);
        long channels = out[1];
        y = y.mul(scale.mul(w[1].reshape(1, channels, 1, 1)));
        return bias ? y.add(g.weight(conv, "bias").reshape(1, channels, 1, 1)) : y;
    }
}

package refiners.fluxion.compile;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

/**
 * A float weight as symmetric int8 values with one float scale per output channel (its first dimension): |w| up to
 * the channel's largest maps to 127. Mapped from the file `convert --quantize int8` wrote (Int8WeightsFile), else
 * computed once per session, in memory.
 */
public record Int8Weights(Tensor values, Tensor scales) {
    /** The form of {@code w} (float32, or another float type converted first) for ConvInteger when {@code conv}, else for DynamicQuantizeMatMul. */
    static Int8Weights of(Tensor w, boolean conv) {
        Tensor f = w.dtype() == DType.F32 ? w : w.to(DType.F32);
        return conv ? forConvInteger(f) : forMatMul(f);
    }

    /** The shape its values take: (in, out) for a matrix product, the weight's own for a convolution. */
    static long[] valuesShape(long[] weight, boolean conv) {
        return conv ? weight.clone() : new long[] {Tensor.numel(weight) / weight[0], weight[0]};
    }

    /** For a matrix product x·W^T: the values transposed to (in, out), int8, as DynamicQuantizeMatMul's B. */
    private static Int8Weights forMatMul(Tensor w) {
        int out = (int) w.dim(0), in = (int) (w.numel() / out);
        float[] scales = new float[out];
        byte[] q = quantize(floats(w), scales);
        ByteBuffer t = Tensor.allocate((long) in * out);
        for (int i = 0; i < in; i++)
            for (int o = 0; o < out; o++) t.put(i * out + o, q[o * in + i]);
        return new Int8Weights(new Tensor(DType.I8, new long[] {in, out}, t), Tensor.ofFloats(new long[] {out}, scales));
    }

    /** For ConvInteger, which takes uint8 weights with one zero point: the values shifted by 128, same layout. */
    private static Int8Weights forConvInteger(Tensor w) {
        float[] scales = new float[(int) w.dim(0)];
        byte[] q = quantize(floats(w), scales);
        ByteBuffer t = Tensor.allocate(q.length);
        for (int i = 0; i < q.length; i++) t.put(i, (byte) (q[i] + 128));
        return new Int8Weights(new Tensor(DType.U8, w.shape(), t), Tensor.ofFloats(new long[] {scales.length}, scales));
    }

    private static FloatBuffer floats(Tensor w) {
        if (w.dtype() != DType.F32) throw new IllegalArgumentException("int8 quantization reads float32 weights, not " + w.dtype());
        return w.data().asFloatBuffer();
    }

    /** Symmetric int8 values of {@code f}, one channel per scales entry (filled in), channels contiguous. */
    public static byte[] quantize(FloatBuffer f, float[] scales) {
        int channels = scales.length, per = f.remaining() / channels;
        byte[] q = new byte[f.remaining()];
        for (int c = 0; c < channels; c++) {
            float max = 0;
            for (int i = c * per; i < (c + 1) * per; i++) max = Math.max(max, Math.abs(f.get(i)));
            float s = max == 0 ? 1 : max / 127;
            scales[c] = s;
            for (int i = c * per; i < (c + 1) * per; i++) q[i] = (byte) Math.round(f.get(i) / s);
        }
        return q;
    }
}

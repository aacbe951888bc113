package refiners.fluxion.layers;

import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.compile.onnx.Onnx.AttributeProto;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Int8;
import refiners.fluxion.compile.Value;

/** 2-D convolution (torch.nn.Conv2d semantics, zero padding). */
public class Conv2d extends WeightedModule {
    private static final String NCHWC = "com.microsoft.nchwc";

    private final int inChannels;
    private final int outChannels;
    private final int[] kernelSize;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;
    private final boolean useBias;

    public Conv2d(int inChannels, int outChannels, int kernelSize) {
        this(inChannels, outChannels, kernelSize, 1, 0);
    }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        this(inChannels, outChannels, new int[] {kernelSize, kernelSize}, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1}, 1, true);
    }

    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[] stride, int[] padding, int[] dilation, int groups, boolean useBias) {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new IllegalArgumentException("channels " + inChannels + "/" + outChannels + " not divisible by groups " + groups);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.groups = groups;
        this.useBias = useBias;
        declareParameter("weight", outChannels, inChannels / groups, kernelSize[0], kernelSize[1]);
        if (useBias) declareParameter("bias", outChannels);
    }

    /** A kernel_size x kernel_size convolution without bias. */
    public static Conv2d noBias(int inChannels, int outChannels, int kernelSize, int stride, int padding) {
        return new Conv2d(inChannels, outChannels, new int[] {kernelSize, kernelSize}, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1}, 1, false);
    }

    public int inChannels() { return inChannels; }
    public int outChannels() { return outChannels; }
    public int[] kernelSize() { return kernelSize.clone(); }
    public int[] stride() { return stride.clone(); }
    public int[] padding() { return padding.clone(); }
    public int[] dilation() { return dilation.clone(); }
    public int groups() { return groups; }
    public boolean useBias() { return useBias; }

    @Override
    protected void describe(Attributes a) {
        a.add("in_channels", inChannels).add("out_channels", outChannels).add("kernel_size", kernelSize)
                .addIfNot("stride", stride, new int[] {1, 1})
                .addIfNot("padding", padding, new int[] {0, 0})
                .addIfNot("dilation", dilation, new int[] {1, 1})
                .addIfNot("groups", groups, 1)
                .addIfNot("use_bias", useBias, true);
    }

    /**
     * Whether int8 quantization makes this convolution a ConvInteger: where the channels give the integer GEMM work
     * (a UNet's first and last convolutions, 4 channels, stay float).
     */
    public boolean lowersToInt8() {
        return groups == 1 && inChannels >= 16 && outChannels >= 16;
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        long[] out = {x.dim(0), outChannels, outSize(x.dim(2), 0), outSize(x.dim(3), 1)};
        List<AttributeProto> attrs = List.of(
                Attr.ints("kernel_shape", kernelSize[0], kernelSize[1]),
                Attr.ints("strides", stride[0], stride[1]),
                Attr.ints("pads", padding[0], padding[1], padding[0], padding[1]),
                Attr.ints("dilations", dilation[0], dilation[1]),
                Attr.i("group", groups));
        if (Int8.applies(g) && lowersToInt8() && x.rank() == 4)
            return List.of(Int8.conv(g, this, x, attrs, out, useBias));
        Value blocked = nchwc(g, x, attrs, out);
        if (blocked != null) return List.of(blocked);
        List<Value> in = new ArrayList<>(List.of(x, g.weight(this, "weight")));
        if (useBias) in.add(g.weight(this, "bias"));
        return List.of(g.node("Conv", in, attrs, x.dtype(), out));
    }

    /**
     * On ONNX Runtime's NCHWc kernel (direct convolution over channel blocks, faster than im2col + GEMM) when the
     * compile options ask for it and the weight can be mapped blocked: the input is reordered to blocks (unless it
     * comes from another such convolution: then its blocked twin is used) and the output back; null otherwise.
     */
    private Value nchwc(Graph g, Value x, List<AttributeProto> attrs, long[] out) {
        int block = g.options().nchwcBlock();
        if (block == 0 || groups != 1 || x.rank() != 4 || x.dtype() != DType.F32 || inChannels % block != 0 || outChannels % block != 0) return null;
        Value w = g.blockedConvWeight(this, "weight", block);
        if (w == null) return null;
        Value xb = g.nchwcTwin(x);
        if (xb == null) xb = g.node("ReorderInput", NCHWC, List.of(x), List.of(), x.dtype(), x.shape());
        List<Value> in = new ArrayList<>(List.of(xb, w));
        if (useBias) in.add(g.weight(this, "bias"));
        Value y = g.node("Conv", NCHWC, in, attrs, x.dtype(), out);
        Value plain = g.node("ReorderOutput", NCHWC, List.of(y), List.of(Attr.i("channels", outChannels)), x.dtype(), out);
        g.setNchwcTwin(plain, y);
        return plain;
    }

    private long outSize(long in, int axis) {
        if (in < 0) return -1;
        return (in + 2L * padding[axis] - (long) dilation[axis] * (kernelSize[axis] - 1) - 1) / stride[axis] + 1;
    }
}

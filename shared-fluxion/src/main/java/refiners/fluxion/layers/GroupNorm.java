package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Group normalization with per-channel affine weight and bias. */
public class GroupNorm extends WeightedModule {
    private final int channels;
    private final int numGroups;
    private final double eps;

    public GroupNorm(int channels, int numGroups) {
        this(channels, numGroups, 1e-5);
    }

    public GroupNorm(int channels, int numGroups, double eps) {
        if (channels % numGroups != 0) throw new IllegalArgumentException(channels + " channels not divisible into " + numGroups + " groups");
        this.channels = channels;
        this.numGroups = numGroups;
        this.eps = eps;
        declareParameter("weight", channels);
        declareParameter("bias", channels);
    }

    public int channels() { return channels; }

    @Override
    protected void describe(Attributes a) {
        a.add("num_groups", numGroups).addIfNot("eps", eps, 1e-5).add("channels", channels);
    }

    /**
     * As InstanceNormalization over (N, groups, rest) then the per-channel affine: ONNX Runtime has no
     * GroupNormalization kernel on CPU and expands opset 21's function into a dozen reductions, casts and
     * elementwise passes; InstanceNormalization is one kernel.
     */
    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        if (x.rank() < 2) throw new IllegalArgumentException("GroupNorm needs (N, C, ...) input, got rank " + x.rank());
        Value grouped = x.reshape(0, numGroups, -1);
        Value ones = g.constant(Tensor.ofFloats(new long[] {numGroups}, filled(numGroups, 1f)).to(x.dtype()));
        Value zeros = g.constant(Tensor.zeros(x.dtype(), numGroups));
        Value normed = g.node("InstanceNormalization", List.of(grouped, ones, zeros), List.of(Attr.f("epsilon", eps)), x.dtype(), grouped.shape())
                .reshape(x.shapeOf());
        long[] perChannel = new long[x.rank() - 1];
        java.util.Arrays.fill(perChannel, 1);
        perChannel[0] = channels;
        return List.of(normed.mul(g.weight(this, "weight").reshape(perChannel)).add(g.weight(this, "bias").reshape(perChannel)));
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}

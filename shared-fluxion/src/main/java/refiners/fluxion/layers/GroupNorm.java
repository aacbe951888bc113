package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Group normalization with per-channel affine weight and bias (ONNX GroupNormalization, opset 21). */
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

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        return List.of(g.node("GroupNormalization", List.of(x, g.weight(this, "weight"), g.weight(this, "bias")),
                List.of(Attr.i("num_groups", numGroups), Attr.f("epsilon", eps)), x.dtype(), x.shape()));
    }
}

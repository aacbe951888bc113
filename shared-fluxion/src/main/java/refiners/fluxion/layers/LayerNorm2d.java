package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Layer normalization across the channel dimension of a (B, C, H, W) tensor. */
public class LayerNorm2d extends WeightedModule {
    private final int channels;
    private final double eps;

    public LayerNorm2d(int channels) {
        this(channels, 1e-6);
    }

    public LayerNorm2d(int channels, double eps) {
        this.channels = channels;
        this.eps = eps;
        declareParameter("weight", channels);
        declareParameter("bias", channels);
    }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("eps", eps, 1e-6);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        Value axis = g.constLongs(1);
        long[] reduced = x.shape();
        reduced[1] = 1;
        Value mean = g.node("ReduceMean", List.of(x, axis), List.of(Attr.i("keepdims", 1)), x.dtype(), reduced);
        Value centered = x.sub(mean);
        Value var = g.node("ReduceMean", List.of(centered.mul(centered), axis), List.of(Attr.i("keepdims", 1)), x.dtype(), reduced);
        Value norm = centered.div(var.add(eps).sqrt());
        Value w = g.weight(this, "weight").unsqueeze(-1, -2);
        Value b = g.weight(this, "bias").unsqueeze(-1, -2);
        return List.of(norm.mul(w).add(b));
    }
}

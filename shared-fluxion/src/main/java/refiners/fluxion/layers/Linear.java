package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Int8;
import refiners.fluxion.compile.Value;

/** y = x W^T + b, with W of shape (out_features, in_features). */
public class Linear extends WeightedModule {
    private final int inFeatures;
    private final int outFeatures;
    private final boolean bias;

    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.bias = bias;
        declareParameter("weight", outFeatures, inFeatures);
        if (bias) declareParameter("bias", outFeatures);
    }

    public int inFeatures() { return inFeatures; }
    public int outFeatures() { return outFeatures; }
    public boolean hasBias() { return bias; }

    @Override
    protected void describe(Attributes a) {
        a.add("in_features", inFeatures).add("out_features", outFeatures);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        if (Int8.applies(g)) return List.of(Int8.linear(g, this, single(this, args), bias));
        return List.of(single(this, args).linear(g.weight(this, "weight"), bias ? g.weight(this, "bias") : null));
    }
}

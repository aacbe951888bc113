package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Layer normalization over the last dimension(s), with affine weight and bias. */
public class LayerNorm extends WeightedModule {
    private final long[] normalizedShape;
    private final double eps;

    public LayerNorm(long normalizedShape) {
        this(normalizedShape, 1e-5);
    }

    public LayerNorm(long normalizedShape, double eps) {
        this(new long[] {normalizedShape}, eps);
    }

    public LayerNorm(long[] normalizedShape, double eps) {
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        declareParameter("weight", normalizedShape);
        declareParameter("bias", normalizedShape);
    }

    @Override
    protected void describe(Attributes a) {
        a.add("normalized_shape", normalizedShape).addIfNot("eps", eps, 1e-5);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        return List.of(g.node("LayerNormalization", List.of(x, g.weight(this, "weight"), g.weight(this, "bias")),
                List.of(Attr.i("axis", -normalizedShape.length), Attr.f("epsilon", eps)), x.dtype(), x.shape()));
    }
}

package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** A learned tensor of shape dims, returned expanded to the batch size of its input. */
public class Parameter extends WeightedModule {
    private final long[] dims;

    public Parameter(long... dims) {
        this.dims = dims.clone();
        declareParameter("weight", dims);
    }

    @Override
    protected void describe(Attributes a) {
        a.add("dims", dims);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        Value shape = Value.concat(List.of(x.shapeOf(0, 1), g.constLongs(dims)), 0);
        return List.of(g.weight(this, "weight").expand(shape));
    }
}

package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Inserts a size-1 dimension. */
public class Unsqueeze extends Module {
    private final int dim;

    public Unsqueeze(int dim) {
        this.dim = dim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("dim", dim);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        return List.of(single(this, args).unsqueeze(dim));
    }
}

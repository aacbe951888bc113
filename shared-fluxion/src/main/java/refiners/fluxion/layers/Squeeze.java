package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Removes a size-1 dimension. */
public class Squeeze extends Module {
    private final int dim;

    public Squeeze(int dim) {
        this.dim = dim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("dim", dim);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        return List.of(single(this, args).squeeze(dim));
    }
}

package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Swaps two dimensions. */
public class Transpose extends Module {
    private final int dim0;
    private final int dim1;

    public Transpose(int dim0, int dim1) {
        this.dim0 = dim0;
        this.dim1 = dim1;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("dim0", dim0).add("dim1", dim1);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        return List.of(single(this, args).swap(dim0, dim1));
    }
}

package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Splits into equal chunks along a dimension; returns them as a tuple. */
public class Chunk extends Module {
    private final int chunks;
    private final int dim;

    public Chunk(int chunks, int dim) {
        this.chunks = chunks;
        this.dim = dim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("chunks", chunks).addIfNot("dim", dim, 0);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        return single(this, args).split(dim, chunks);
    }
}

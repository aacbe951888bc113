package refiners.fluxion.layers;

import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Takes (x, sizes) and splits dimension dim of x into sizes (torch.unflatten); sizes is a 1-D shape value. */
public class Unflatten extends Module {
    private final int dim;

    public Unflatten(int dim) {
        this.dim = dim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("dim", dim);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        if (args.size() != 2) throw new IllegalArgumentException("Unflatten takes (x, sizes), got " + args.size() + " inputs");
        Value x = args.get(0), sizes = args.get(1);
        int d = dim < 0 ? x.rank() + dim : dim;
        List<Value> parts = new ArrayList<>();
        if (d > 0) parts.add(x.shapeOf(0, d));
        parts.add(sizes);
        if (d + 1 < x.rank()) parts.add(x.shapeOf(d + 1, x.rank()));
        return List.of(x.reshape(Value.concat(parts, 0)));
    }
}

package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Reshapes to (batch, *shape): the batch dimension is kept. */
public class Reshape extends Module {
    private final long[] shape;

    public Reshape(long... shape) {
        this.shape = shape.clone();
    }

    @Override
    protected void describe(Attributes a) {
        a.add("shape", shape);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        long[] target = new long[shape.length + 1]; // 0 keeps the batch dimension as is
        System.arraycopy(shape, 0, target, 1, shape.length);
        return List.of(single(this, args).reshape(target));
    }
}

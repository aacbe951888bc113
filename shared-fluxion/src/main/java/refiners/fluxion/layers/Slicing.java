package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** x[start:end:step] along one dimension (end null: to the end). */
public class Slicing extends Module {
    private final int dim;
    private final long start;
    private final Long end;
    private final long step;

    public Slicing(int dim, long start, Long end, long step) {
        this.dim = dim;
        this.start = start;
        this.end = end;
        this.step = step;
    }

    public static Slicing upTo(int dim, long end) {
        return new Slicing(dim, 0, end, 1);
    }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("dim", dim, 0).addIfNot("start", start, 0L);
        if (end != null) a.add("end", end);
        a.addIfNot("step", step, 1L);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        return List.of(single(this, args).slice(dim, start, end == null ? Long.MAX_VALUE : end, step));
    }
}

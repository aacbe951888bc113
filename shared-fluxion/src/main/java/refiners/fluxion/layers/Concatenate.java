package refiners.fluxion.layers;

import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Feeds the same inputs to every child and concatenates their outputs along {@code dim}. */
public class Concatenate extends Chain {
    private final int dim;

    public Concatenate(int dim, Module... modules) {
        super(modules);
        this.dim = dim;
    }

    public int dim() {
        return dim;
    }

    @Override
    public List<Value> lower(Graph graph, List<Value> args) {
        List<Value> outs = new ArrayList<>();
        List<String> names = childNames();
        for (int i = 0; i < size(); i++) outs.addAll(graph.call(get(i), names.get(i), args));
        return List.of(Value.concat(outs, dim));
    }

    @Override
    protected String tag() {
        return "CAT";
    }

    @Override
    protected boolean showOnlyTag() {
        return getClass() == Concatenate.class;
    }
}

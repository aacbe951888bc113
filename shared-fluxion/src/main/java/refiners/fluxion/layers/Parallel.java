package refiners.fluxion.layers;

import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Feeds the same inputs to every child and returns the tuple of their outputs. */
public class Parallel extends Chain {
    public Parallel(Module... modules) {
        super(modules);
    }

    @Override
    public List<Value> lower(Graph graph, List<Value> args) {
        List<Value> out = new ArrayList<>();
        List<String> names = childNames();
        for (int i = 0; i < size(); i++) out.addAll(graph.call(get(i), names.get(i), args));
        return out;
    }

    @Override
    protected String tag() {
        return "PAR";
    }

    @Override
    protected boolean showOnlyTag() {
        return getClass() == Parallel.class;
    }
}

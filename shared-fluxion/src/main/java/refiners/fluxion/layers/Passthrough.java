package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Runs its children for their side effects (context updates) and returns its inputs unchanged. */
public class Passthrough extends Chain {
    public Passthrough(Module... modules) {
        super(modules);
    }

    @Override
    public List<Value> lower(Graph graph, List<Value> args) {
        super.lower(graph, args);
        return args;
    }

    @Override
    protected String tag() {
        return "PASS";
    }

    @Override
    protected boolean showOnlyTag() {
        return getClass() == Passthrough.class;
    }
}

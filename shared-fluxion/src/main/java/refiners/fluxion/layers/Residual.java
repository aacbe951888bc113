package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** x + chain(x): a Chain whose output is added to its (single) input. */
public class Residual extends Chain {
    public Residual(Module... modules) {
        super(modules);
    }

    public Residual(List<? extends Module> modules) {
        super(modules);
    }

    @Override
    public List<Value> lower(Graph graph, List<Value> args) {
        Value x = single(this, args);
        return List.of(x.add(single(this, super.lower(graph, args))));
    }

    @Override
    protected String tag() {
        return "RES";
    }

    @Override
    protected boolean showOnlyTag() {
        return false;
    }
}

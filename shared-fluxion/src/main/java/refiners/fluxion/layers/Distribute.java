package refiners.fluxion.layers;

import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Child i receives input i: as many inputs as children. */
public class Distribute extends Chain {
    public Distribute(Module... modules) {
        super(modules);
    }

    @Override
    public List<Value> lower(Graph graph, List<Value> args) {
        if (args.size() != size())
            throw new IllegalArgumentException("Distribute: " + args.size() + " inputs for " + size() + " children");
        List<Value> out = new ArrayList<>();
        List<String> names = childNames();
        for (int i = 0; i < size(); i++) out.addAll(graph.call(get(i), names.get(i), List.of(args.get(i))));
        return out;
    }

    @Override
    protected String tag() {
        return "DISTR";
    }

    @Override
    protected boolean showOnlyTag() {
        return getClass() == Distribute.class;
    }
}

package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Feeds the same inputs to every child and adds their outputs (a tuple output is summed first). */
public class Sum extends Chain {
    public Sum(Module... modules) {
        super(modules);
    }

    public Sum(List<? extends Module> modules) {
        super(modules);
    }

    protected Sum(List<? extends Module> modules, boolean keepExistingParents) {
        super(modules, keepExistingParents);
    }

    @Override
    public List<Value> lower(Graph graph, List<Value> args) {
        Value total = null;
        List<String> names = childNames();
        for (int i = 0; i < size(); i++) {
            for (Value v : graph.call(get(i), names.get(i), args)) total = total == null ? v : total.add(v);
        }
        return List.of(total);
    }

    @Override
    protected String tag() {
        return "SUM";
    }

    @Override
    protected boolean showOnlyTag() {
        return getClass() == Sum.class;
    }
}

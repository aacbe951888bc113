package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Picks one of its inputs (refiners' {@code GetArg}): the argument at {@code index}. */
public class GetArg extends Module {
    private final int index;

    public GetArg(int index) {
        this.index = index;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("index", index);
    }

    @Override
    public List<Value> lower(Graph graph, List<Value> args) {
        if (index < 0 || index >= args.size()) throw new IllegalArgumentException("GetArg(" + index + ") of " + args.size() + " inputs");
        return List.of(args.get(index));
    }
}

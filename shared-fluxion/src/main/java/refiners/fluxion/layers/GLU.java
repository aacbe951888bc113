package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Gated linear unit: the last dimension splits into (out, gate); returns out * activation(gate). */
public class GLU extends Chain {
    public GLU(Module activation) {
        super(activation);
    }

    @Override
    protected String tag() {
        return "";
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        List<Value> halves = single(this, args).split(-1, 2);
        Value gate = single(this, g.call(get(0), childNames().get(0), List.of(halves.get(1))));
        return List.of(halves.get(0).mul(gate));
    }
}

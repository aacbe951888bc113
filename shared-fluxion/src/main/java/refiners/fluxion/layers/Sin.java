package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Elementwise sine. */
public class Sin extends Module {
    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        return List.of(single(this, args).sin());
    }
}

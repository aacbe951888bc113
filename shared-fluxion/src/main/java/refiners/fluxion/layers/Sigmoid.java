package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** 1 / (1 + exp(-x)). */
public class Sigmoid extends Module {
    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        return List.of(single(this, args).sigmoid());
    }
}

package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** x * sigmoid(x). */
public class SiLU extends Module {
    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        return List.of(x.mul(x.sigmoid()));
    }
}

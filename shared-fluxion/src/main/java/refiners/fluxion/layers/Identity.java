package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Returns its inputs. */
public class Identity extends Module {
    @Override
    public List<Value> lower(Graph graph, List<Value> args) {
        return args;
    }
}

package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Flattens dimensions start_dim..end_dim into one (torch.flatten). */
public class Flatten extends Module {
    private final int startDim;
    private final int endDim;

    public Flatten(int startDim) {
        this(startDim, -1);
    }

    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("start_dim", startDim, 0).addIfNot("end_dim", endDim, -1);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        return List.of(single(this, args).flatten(startDim, endDim));
    }
}

package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Reorders dimensions (torch.permute). */
public class Permute extends Module {
    private final int[] dims;

    public Permute(int... dims) {
        this.dims = dims.clone();
    }

    @Override
    protected void describe(Attributes a) {
        a.add("dims", dims);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        return List.of(single(this, args).transpose(dims));
    }
}

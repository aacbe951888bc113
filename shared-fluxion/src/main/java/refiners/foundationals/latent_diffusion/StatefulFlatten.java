package refiners.foundationals.latent_diffusion;

import java.util.List;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Flatten;
import refiners.fluxion.layers.SetContext;

/**
 * Flattens dimensions start_dim..end_dim after pushing their sizes onto the list in context.key, so that a later
 * Unflatten can restore them (popping the list: nested blocks unwind in order).
 */
public class StatefulFlatten extends Chain {
    private final int startDim;
    private final int endDim;

    public StatefulFlatten(String context, String key, int startDim) {
        this(context, key, startDim, -1);
    }

    public StatefulFlatten(String context, String key, int startDim, int endDim) {
        super(new SetContext(context, key, (sizes, x) -> push(sizes, x, startDim, endDim)), new Flatten(startDim, endDim));
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @SuppressWarnings("unchecked")
    private static void push(Object sizes, Value x, int startDim, int endDim) {
        if (!(sizes instanceof List<?>)) throw new IllegalStateException("StatefulFlatten: the sizes context entry is not a list");
        int end = endDim >= 0 ? endDim + 1 : x.rank() + endDim + 1;
        ((List<Value>) sizes).add(x.shapeOf(startDim, end));
    }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("start_dim", startDim, 0).addIfNot("end_dim", endDim, -1);
    }
}

package refiners.foundationals.latent_diffusion;

import java.util.List;
import refiners.fluxion.adapters.Adapter;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.SelfAttention;
import refiners.fluxion.layers.SetContext;

/** Stores a self-attention's input (its block's LayerNorm output) in {@code context.norm}, then runs it. */
public class SaveLayerNormAdapter extends Chain implements Adapter<SelfAttention> {
    private final SelfAttention target;
    private final String context;

    public SaveLayerNormAdapter(SelfAttention target, String context) {
        super(List.of(new SetContext(context, "norm"), target), true);
        this.target = target;
        this.context = context;
    }

    @Override
    public SelfAttention target() {
        return target;
    }

    public String context() {
        return context;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("context", context);
    }
}

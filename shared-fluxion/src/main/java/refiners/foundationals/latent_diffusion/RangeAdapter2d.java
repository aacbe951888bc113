package refiners.foundationals.latent_diffusion;

import java.util.List;
import refiners.fluxion.adapters.Adapter;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Reshape;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.layers.Sum;
import refiners.fluxion.layers.UseContext;

/**
 * Adds a range embedding (read from context range_adapter.contextKey) to a convolution's output: conv(x) +
 * Linear(SiLU(embedding)) reshaped to (B, C, 1, 1), so a (1, E) embedding broadcasts over the batch.
 */
public class RangeAdapter2d extends Sum implements Adapter<Conv2d> {
    private final Conv2d target;
    private final int channels;
    private final int embeddingDim;

    public RangeAdapter2d(Conv2d target, int channels, int embeddingDim, String contextKey) {
        super(List.of(target, new Chain(
                new UseContext("range_adapter", contextKey),
                new SiLU(),
                new Linear(embeddingDim, channels),
                new Reshape(channels, 1, 1))), true);
        this.target = target;
        this.channels = channels;
        this.embeddingDim = embeddingDim;
    }

    @Override
    public Conv2d target() {
        return target;
    }

    public String contextKey() {
        return ensureFind(UseContext.class).key();
    }

    @Override
    protected void describe(Attributes a) {
        a.add("channels", channels).add("embedding_dim", embeddingDim);
    }
}

package refiners.foundationals.latent_diffusion.image_prompt;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.GeLU;
import refiners.fluxion.layers.Linear;

/** The resampler's MLP: Linear, exact GeLU, Linear, both without bias (unlike CLIP's). */
public class FeedForward extends Chain {
    private final int embeddingDim;
    private final int feedforwardDim;

    public FeedForward(int embeddingDim, int feedforwardDim) {
        super(new Linear(embeddingDim, feedforwardDim, false), new GeLU(), new Linear(feedforwardDim, embeddingDim, false));
        this.embeddingDim = embeddingDim;
        this.feedforwardDim = feedforwardDim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("embedding_dim", embeddingDim).add("feedforward_dim", feedforwardDim);
    }
}

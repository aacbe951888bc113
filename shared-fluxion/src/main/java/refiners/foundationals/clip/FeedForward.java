package refiners.foundationals.clip;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.GeLU;
import refiners.fluxion.layers.Linear;

/** Linear, GeLU, Linear. */
public class FeedForward extends Chain {
    private final int embeddingDim;
    private final int feedforwardDim;

    public FeedForward(int embeddingDim, int feedforwardDim) {
        super(new Linear(embeddingDim, feedforwardDim), new GeLU(), new Linear(feedforwardDim, embeddingDim));
        this.embeddingDim = embeddingDim;
        this.feedforwardDim = feedforwardDim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("embedding_dim", embeddingDim).add("feedforward_dim", feedforwardDim);
    }
}

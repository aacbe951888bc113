package refiners.foundationals.clip;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.SelfAttention;

/** Pre-norm transformer layer: x + attention(norm(x)), then x + feed-forward(norm(x)). */
public class TransformerLayer extends Chain {
    private final int embeddingDim;
    private final int numAttentionHeads;
    private final int feedforwardDim;

    public TransformerLayer(int embeddingDim, int feedforwardDim, int numAttentionHeads, double layerNormEps, boolean useQuickGelu) {
        super(new Residual(new LayerNorm(embeddingDim, layerNormEps), new SelfAttention(embeddingDim, embeddingDim, numAttentionHeads, true, true)),
                new Residual(new LayerNorm(embeddingDim, layerNormEps), new FeedForward(embeddingDim, feedforwardDim)));
        this.embeddingDim = embeddingDim;
        this.numAttentionHeads = numAttentionHeads;
        this.feedforwardDim = feedforwardDim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("embedding_dim", embeddingDim).add("num_attention_heads", numAttentionHeads).add("feedforward_dim", feedforwardDim);
    }
}

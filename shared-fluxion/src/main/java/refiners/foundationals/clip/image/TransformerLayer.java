package refiners.foundationals.clip.image;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.SelfAttention;
import refiners.foundationals.clip.FeedForward;

/** The vision transformer's pre-norm layer: full (not causal) self-attention with biases, then an exact-GeLU MLP. */
public class TransformerLayer extends Chain {
    private final int embeddingDim;
    private final int feedforwardDim;
    private final int numAttentionHeads;
    private final double layerNormEps;

    public TransformerLayer(int embeddingDim, int feedforwardDim, int numAttentionHeads, double layerNormEps) {
        super(new Residual(new LayerNorm(embeddingDim, layerNormEps), new SelfAttention(embeddingDim, embeddingDim, numAttentionHeads, true, false)),
                new Residual(new LayerNorm(embeddingDim, layerNormEps), new FeedForward(embeddingDim, feedforwardDim)));
        this.embeddingDim = embeddingDim;
        this.feedforwardDim = feedforwardDim;
        this.numAttentionHeads = numAttentionHeads;
        this.layerNormEps = layerNormEps;
    }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("embedding_dim", embeddingDim, 768).addIfNot("feedforward_dim", feedforwardDim, 3072)
                .addIfNot("num_attention_heads", numAttentionHeads, 12).addIfNot("layer_norm_eps", layerNormEps, 1e-5);
    }
}

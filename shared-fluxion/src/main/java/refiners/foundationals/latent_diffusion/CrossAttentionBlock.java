package refiners.foundationals.latent_diffusion;

import refiners.fluxion.layers.Attention;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.GLU;
import refiners.fluxion.layers.GeLU;
import refiners.fluxion.layers.Identity;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Parallel;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.SelfAttention;
import refiners.fluxion.layers.UseContext;

/**
 * A transformer block over a token sequence: self-attention, cross-attention on the sequence found in context
 * cross_attention_block.contextKey (e.g. the CLIP text embedding), then a GeGLU feed-forward; each one pre-normed and
 * residual.
 */
public class CrossAttentionBlock extends Chain {
    public static final String CONTEXT = "cross_attention_block";

    private final int embeddingDim;
    private final int contextEmbeddingDim;
    private final String contextKey;
    private final int numHeads;
    private final boolean useBias;

    public CrossAttentionBlock(int embeddingDim, int contextEmbeddingDim, String contextKey, int numHeads, boolean useBias) {
        super(new Residual(
                        new LayerNorm(embeddingDim),
                        new SelfAttention(embeddingDim, embeddingDim, numHeads, useBias, false)),
                new Residual(
                        new LayerNorm(embeddingDim),
                        new Parallel(new Identity(), new UseContext(CONTEXT, contextKey), new UseContext(CONTEXT, contextKey)),
                        new Attention(embeddingDim, numHeads, contextEmbeddingDim, contextEmbeddingDim, embeddingDim, useBias, false)),
                new Residual(
                        new LayerNorm(embeddingDim),
                        new Linear(embeddingDim, 2 * 4 * embeddingDim),
                        new GLU(new GeLU()),
                        new Linear(4 * embeddingDim, embeddingDim)));
        this.embeddingDim = embeddingDim;
        this.contextEmbeddingDim = contextEmbeddingDim;
        this.contextKey = contextKey;
        this.numHeads = numHeads;
        this.useBias = useBias;
    }

    public String contextKey() { return contextKey; }

    @Override
    protected void describe(Attributes a) {
        a.add("embedding_dim", embeddingDim).add("context_embedding_dim", contextEmbeddingDim).add("context_key", contextKey)
                .addIfNot("num_heads", numHeads, 1).addIfNot("use_bias", useBias, true);
    }
}

package refiners.foundationals.latent_diffusion.image_prompt;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Reshape;

/** The plain IP-Adapter's projection: one CLIP image embedding (B, 1024) to num_tokens context tokens (B, 4, 768). */
public class ImageProjection extends Chain {
    private final int clipImageEmbeddingDim;
    private final int clipTextEmbeddingDim;
    private final int numTokens;

    public ImageProjection(int clipImageEmbeddingDim, int clipTextEmbeddingDim, int numTokens) {
        super(new Linear(clipImageEmbeddingDim, clipTextEmbeddingDim * numTokens),
                new Reshape(numTokens, clipTextEmbeddingDim),
                new LayerNorm(clipTextEmbeddingDim));
        this.clipImageEmbeddingDim = clipImageEmbeddingDim;
        this.clipTextEmbeddingDim = clipTextEmbeddingDim;
        this.numTokens = numTokens;
    }

    public int numTokens() {
        return numTokens;
    }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("clip_image_embedding_dim", clipImageEmbeddingDim, 1024)
                .addIfNot("clip_text_embedding_dim", clipTextEmbeddingDim, 768).addIfNot("num_tokens", numTokens, 4);
    }
}

package refiners.foundationals.clip.image;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Concatenate;
import refiners.fluxion.layers.Reshape;
import refiners.fluxion.layers.Residual;
import refiners.foundationals.clip.PositionalEncoder;

/** The class token followed by the image's patches (row-major), plus learned position embeddings: (B, 1 + P, D). */
public class ViTEmbeddings extends Chain {
    private final int imageSize;
    private final int embeddingDim;
    private final int patchSize;

    public ViTEmbeddings(int imageSize, int embeddingDim, int patchSize) {
        super(new Concatenate(1,
                        new ClassToken(embeddingDim),
                        new Chain(new PatchEncoder(3, embeddingDim, patchSize, false), new Reshape(patches(imageSize, patchSize), embeddingDim))),
                new Residual(new PositionalEncoder((int) patches(imageSize, patchSize) + 1, embeddingDim)));
        this.imageSize = imageSize;
        this.embeddingDim = embeddingDim;
        this.patchSize = patchSize;
    }

    private static long patches(int imageSize, int patchSize) {
        long side = imageSize / patchSize;
        return side * side;
    }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("image_size", imageSize, 224).addIfNot("embedding_dim", embeddingDim, 768).addIfNot("patch_size", patchSize, 32);
    }
}

package refiners.foundationals.clip.image;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Parameter;

/** The learned class token, one per image of the batch: (B, 1, D). */
public class ClassToken extends Chain {
    private final int embeddingDim;

    public ClassToken(int embeddingDim) {
        super(new Parameter(1, embeddingDim));
        this.embeddingDim = embeddingDim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("embedding_dim", embeddingDim);
    }
}

package refiners.foundationals.clip;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Embedding;

/** The token embedding table of a CLIP text encoder. */
public class TokenEncoder extends Embedding {
    private final int vocabularySize;
    private final int embeddingDim;

    public TokenEncoder(int vocabularySize, int embeddingDim) {
        super(vocabularySize, embeddingDim);
        this.vocabularySize = vocabularySize;
        this.embeddingDim = embeddingDim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("vocabulary_size", vocabularySize).add("embedding_dim", embeddingDim);
    }
}

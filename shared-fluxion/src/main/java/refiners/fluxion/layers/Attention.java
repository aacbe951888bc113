package refiners.fluxion.layers;

/** Multi-head attention: Distribute(query, key, value projections), ScaledDotProductAttention, output projection. */
public class Attention extends Chain {
    protected final int embeddingDim;
    protected final int numHeads;
    protected final int keyEmbeddingDim;
    protected final int valueEmbeddingDim;
    protected final int innerDim;
    protected final boolean useBias;
    protected final boolean isCausal;

    public Attention(int embeddingDim, int numHeads) {
        this(embeddingDim, numHeads, embeddingDim, embeddingDim, embeddingDim, true, false);
    }

    public Attention(int embeddingDim, int numHeads, int keyEmbeddingDim, int valueEmbeddingDim, int innerDim, boolean useBias, boolean isCausal) {
        super(new Distribute(
                        new Linear(embeddingDim, innerDim, useBias),
                        new Linear(keyEmbeddingDim, innerDim, useBias),
                        new Linear(valueEmbeddingDim, innerDim, useBias)),
                new ScaledDotProductAttention(numHeads, isCausal),
                new Linear(innerDim, embeddingDim, true));
        if (embeddingDim % numHeads != 0) throw new IllegalArgumentException("embedding_dim " + embeddingDim + " must be divisible by num_heads " + numHeads);
        this.embeddingDim = embeddingDim;
        this.numHeads = numHeads;
        this.keyEmbeddingDim = keyEmbeddingDim;
        this.valueEmbeddingDim = valueEmbeddingDim;
        this.innerDim = innerDim;
        this.useBias = useBias;
        this.isCausal = isCausal;
    }

    public int numHeads() { return numHeads; }
    public int keyEmbeddingDim() { return keyEmbeddingDim; }
    public int valueEmbeddingDim() { return valueEmbeddingDim; }
    public int innerDim() { return innerDim; }
    public boolean useBias() { return useBias; }
    public boolean isCausal() { return isCausal; }

    @Override
    protected void describe(Attributes a) {
        a.add("embedding_dim", embeddingDim).addIfNot("num_heads", numHeads, 1)
                .add("key_embedding_dim", keyEmbeddingDim).add("value_embedding_dim", valueEmbeddingDim)
                .add("inner_dim", innerDim).addIfNot("use_bias", useBias, true).addIfNot("is_causal", isCausal, false);
    }
}

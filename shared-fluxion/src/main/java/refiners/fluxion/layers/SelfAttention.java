package refiners.fluxion.layers;

/** Attention of a sequence on itself: the input is duplicated into query, key and value. */
public class SelfAttention extends Attention {
    public SelfAttention(int embeddingDim, int numHeads) {
        this(embeddingDim, embeddingDim, numHeads, true, false);
    }

    public SelfAttention(int embeddingDim, int innerDim, int numHeads, boolean useBias, boolean isCausal) {
        super(embeddingDim, numHeads, embeddingDim, embeddingDim, innerDim, useBias, isCausal);
        insert(0, new Parallel(new Identity(), new Identity(), new Identity()));
    }

    @Override
    protected void describe(Attributes a) {
        a.add("embedding_dim", embeddingDim).addIfNot("num_heads", numHeads, 1).add("inner_dim", innerDim)
                .addIfNot("use_bias", useBias, true).addIfNot("is_causal", isCausal, false);
    }
}

package refiners.foundationals.clip;

import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Embedding;
import refiners.fluxion.layers.Lambda;

/** Learned position embeddings for positions 0..L-1 of the input ids, shaped (1, L, D) to broadcast over the batch. */
public class PositionalEncoder extends Chain {
    private final int maxSequenceLength;
    private final int embeddingDim;

    public PositionalEncoder(int maxSequenceLength, int embeddingDim) {
        super(new Lambda("get_position_ids(x: torch.Tensor) -> torch.Tensor", (g, args) -> {
                    Value ids = single(null, args);
                    long length = ids.dim(1);
                    if (length < 0) throw new IllegalArgumentException("the sequence length must be static");
                    long[] positions = new long[(int) length];
                    for (int i = 0; i < positions.length; i++) positions[i] = i;
                    return List.of(g.constant(Tensor.ofLongs(new long[] {1, length}, positions)));
                }),
                new Embedding(maxSequenceLength, embeddingDim));
        this.maxSequenceLength = maxSequenceLength;
        this.embeddingDim = embeddingDim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("max_sequence_length", maxSequenceLength).add("embedding_dim", embeddingDim);
    }
}

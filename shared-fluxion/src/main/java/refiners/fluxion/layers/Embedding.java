package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Looks up rows of a (num_embeddings, embedding_dim) table at integer ids. */
public class Embedding extends WeightedModule {
    private final int numEmbeddings;
    private final int embeddingDim;

    public Embedding(int numEmbeddings, int embeddingDim) {
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        declareParameter("weight", numEmbeddings, embeddingDim);
    }

    @Override
    protected void describe(Attributes a) {
        a.add("num_embeddings", numEmbeddings).add("embedding_dim", embeddingDim);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value ids = single(this, args);
        if (ids.dtype() != DType.I64) ids = ids.cast(DType.I64);
        return List.of(g.weight(this, "weight").gather(ids, 0));
    }
}

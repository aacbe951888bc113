package refiners.foundationals.latent_diffusion;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Converter;
import refiners.fluxion.layers.Lambda;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.SiLU;

/** Embeds a range value (the diffusion timestep): float32 sinusoidal embedding, cast to the model dtype, then an MLP. */
public class RangeEncoder extends Chain {
    private final int sinusoidalEmbeddingDim;
    private final int embeddingDim;

    public RangeEncoder(int sinusoidalEmbeddingDim, int embeddingDim) {
        super(Lambda.of("compute_sinusoidal_embedding(x: torch.Tensor) -> torch.Tensor",
                        x -> SinusoidalEmbedding.compute(x, sinusoidalEmbeddingDim)),
                new Converter(false, true),
                new Linear(sinusoidalEmbeddingDim, embeddingDim),
                new SiLU(),
                new Linear(embeddingDim, embeddingDim));
        this.sinusoidalEmbeddingDim = sinusoidalEmbeddingDim;
        this.embeddingDim = embeddingDim;
    }

    public int sinusoidalEmbeddingDim() { return sinusoidalEmbeddingDim; }
    public int embeddingDim() { return embeddingDim; }

    @Override
    protected void describe(Attributes a) {
        a.add("sinusoidal_embedding_dim", sinusoidalEmbeddingDim).add("embedding_dim", embeddingDim);
    }
}

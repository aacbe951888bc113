package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Concatenate;
import refiners.fluxion.layers.Converter;
import refiners.fluxion.layers.Lambda;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Reshape;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.layers.Unsqueeze;
import refiners.fluxion.layers.UseContext;
import refiners.foundationals.latent_diffusion.SinusoidalEmbedding;

/**
 * SDXL's additional conditioning: the pooled text embedding (B, 1280) and the six time ids (original size, crop
 * corner, target size; B, 6), each id embedded sinusoidally (256), all concatenated (B, 2816), then an MLP to 1280.
 */
public class TextTimeEmbedding extends Chain {
    static final int TIME_IDS_EMBEDDING_DIM = 256;

    public TextTimeEmbedding() {
        super(new Concatenate(1,
                        new UseContext("diffusion", "pooled_text_embedding"),
                        new Chain(new UseContext("diffusion", "time_ids"),
                                new Unsqueeze(-1),
                                Lambda.of("compute_sinusoidal_embedding(x: torch.Tensor) -> torch.Tensor",
                                        x -> SinusoidalEmbedding.compute(x, TIME_IDS_EMBEDDING_DIM)),
                                new Reshape(-1))),
                new Converter(false, true),
                new Linear(2816, 1280),
                new SiLU(),
                new Linear(1280, 1280));
    }
}

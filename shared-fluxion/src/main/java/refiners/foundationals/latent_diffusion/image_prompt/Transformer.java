package refiners.foundationals.latent_diffusion.image_prompt;

import java.util.List;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Module;

/** The resampler's stack of {@link TransformerLayer}s (a named chain, as in refiners). */
public class Transformer extends Chain {
    public Transformer(List<? extends Module> layers) {
        super(layers);
    }
}

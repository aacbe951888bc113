package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Passthrough;
import refiners.fluxion.layers.SetContext;
import refiners.fluxion.layers.Sum;
import refiners.fluxion.layers.UseContext;
import refiners.foundationals.latent_diffusion.RangeEncoder;

/**
 * The timestep embedding (1, 1280) plus the TextTimeEmbedding (B, 1280), stored in range_adapter.contextKey for the
 * RangeAdapter2d layers.
 */
public class TimestepEncoder extends Passthrough {
    public static final String DEFAULT_CONTEXT_KEY = "timestep_embedding";

    public TimestepEncoder() {
        super(new Sum(new Chain(new UseContext("diffusion", "timestep"), new RangeEncoder(320, 1280)), new TextTimeEmbedding()),
                new SetContext("range_adapter", DEFAULT_CONTEXT_KEY));
    }
}

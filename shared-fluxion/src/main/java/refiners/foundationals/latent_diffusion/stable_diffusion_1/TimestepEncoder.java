package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import refiners.fluxion.layers.Passthrough;
import refiners.fluxion.layers.SetContext;
import refiners.fluxion.layers.UseContext;
import refiners.foundationals.latent_diffusion.RangeEncoder;

/**
 * Embeds diffusion.timestep and stores the (B, 1280) embedding in range_adapter.contextKey for the RangeAdapter2d
 * layers (a ControlNet uses its own key; refiners does not print it).
 */
public class TimestepEncoder extends Passthrough {
    public static final String DEFAULT_CONTEXT_KEY = "timestep_embedding";

    public TimestepEncoder() {
        this(DEFAULT_CONTEXT_KEY);
    }

    public TimestepEncoder(String contextKey) {
        super(new UseContext("diffusion", "timestep"), new RangeEncoder(320, 1280), new SetContext("range_adapter", contextKey));
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.GroupNorm;
import refiners.fluxion.layers.SiLU;

/** GroupNorm, SiLU and a 3x3 conv from 320 channels back to the 4 latent channels. */
public class OutputBlock extends Chain {
    public OutputBlock() {
        super(new GroupNorm(320, 32), new SiLU(), new Conv2d(320, 4, 3, 1, 1));
    }
}

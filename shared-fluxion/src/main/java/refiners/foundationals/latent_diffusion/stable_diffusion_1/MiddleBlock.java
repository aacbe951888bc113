package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import refiners.fluxion.layers.Chain;
import refiners.foundationals.latent_diffusion.ResidualBlock;

/** The UNet bottleneck at 1280 channels. */
public class MiddleBlock extends Chain {
    public MiddleBlock() {
        super(new ResidualBlock(1280, 1280), new CLIPLCrossAttention(1280), new ResidualBlock(1280, 1280));
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import refiners.fluxion.layers.Chain;
import refiners.foundationals.latent_diffusion.ResidualBlock;

/** The SDXL UNet bottleneck at 1280 channels. */
public class MiddleBlock extends Chain {
    public MiddleBlock() {
        super(new ResidualBlock(1280, 1280), new SDXLCrossAttention(1280, 10, 20), new ResidualBlock(1280, 1280));
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Upsample;
import refiners.foundationals.latent_diffusion.ResidualBlock;

/**
 * The SDXL UNet decoder: 9 blocks mirroring DownBlocks; each block's input is concatenated with a skip connection
 * (hence the input channel counts), two of them upsample back to the registered sizes.
 */
public class UpBlocks extends Chain {
    public UpBlocks() {
        super(new Chain(new ResidualBlock(2560, 1280), new SDXLCrossAttention(1280, 10, 20)),
                new Chain(new ResidualBlock(2560, 1280), new SDXLCrossAttention(1280, 10, 20)),
                new Chain(new ResidualBlock(1920, 1280), new SDXLCrossAttention(1280, 10, 20), new Upsample(1280, null)),
                new Chain(new ResidualBlock(1920, 640), new SDXLCrossAttention(640, 2, 10)),
                new Chain(new ResidualBlock(1280, 640), new SDXLCrossAttention(640, 2, 10)),
                new Chain(new ResidualBlock(960, 640), new SDXLCrossAttention(640, 2, 10), new Upsample(640, null)),
                new Chain(new ResidualBlock(960, 320)),
                new Chain(new ResidualBlock(640, 320)),
                new Chain(new ResidualBlock(640, 320)));
    }
}

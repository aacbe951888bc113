package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Downsample;
import refiners.foundationals.latent_diffusion.ResidualBlock;

/**
 * The SDXL UNet encoder: 9 blocks at 320, 640, 1280 channels, halving the resolution twice; no attention at 320,
 * 2 transformer layers at 640, 10 at 1280.
 */
public class DownBlocks extends Chain {
    private final int inChannels;

    public DownBlocks(int inChannels) {
        super(new Chain(new Conv2d(inChannels, 320, 3, 1, 1)),
                new Chain(new ResidualBlock(320, 320)),
                new Chain(new ResidualBlock(320, 320)),
                new Chain(new Downsample(320, 2, 1, true)),
                new Chain(new ResidualBlock(320, 640), new SDXLCrossAttention(640, 2, 10)),
                new Chain(new ResidualBlock(640, 640), new SDXLCrossAttention(640, 2, 10)),
                new Chain(new Downsample(640, 2, 1, true)),
                new Chain(new ResidualBlock(640, 1280), new SDXLCrossAttention(1280, 10, 20)),
                new Chain(new ResidualBlock(1280, 1280), new SDXLCrossAttention(1280, 10, 20)));
        this.inChannels = inChannels;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("in_channels", inChannels);
    }
}

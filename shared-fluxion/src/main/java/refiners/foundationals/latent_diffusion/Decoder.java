package refiners.foundationals.latent_diffusion;

import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.GroupNorm;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.SelfAttention2d;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.layers.Upsample;

/** The LDM decoder: latents (B, 4, h, w) to an image (B, 3, 8h, 8w) roughly in [-1, 1]. */
public class Decoder extends Chain {
    public Decoder() {
        super(new Conv2d(4, 4, 1), new Conv2d(4, 512, 3, 1, 1),
                new Chain(
                        new Chain(new Resnet(512, 512), new Residual(new GroupNorm(512, 32, 1e-6), new SelfAttention2d(512)), new Resnet(512, 512)),
                        new Chain(new Resnet(512, 512), new Resnet(512, 512), new Resnet(512, 512), new Upsample(512, 2)),
                        new Chain(new Resnet(512, 512), new Resnet(512, 512), new Resnet(512, 512), new Upsample(512, 2)),
                        new Chain(new Resnet(512, 256), new Resnet(256, 256), new Resnet(256, 256), new Upsample(256, 2)),
                        new Chain(new Resnet(256, 128), new Resnet(128, 128), new Resnet(128, 128))),
                new Chain(new GroupNorm(128, 32, 1e-6), new SiLU(), new Conv2d(128, 3, 3, 1, 1)));
    }
}

package refiners.foundationals.latent_diffusion;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.GroupNorm;
import refiners.fluxion.layers.Identity;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.layers.Sum;

/** The autoencoder's residual block: shortcut (identity, or a 1x1 conv when channels change) + two norm-SiLU-convs. */
public class Resnet extends Sum {
    private final int inChannels;
    private final int outChannels;

    public Resnet(int inChannels, int outChannels, int numGroups) {
        super(shortcut(inChannels, outChannels), new Chain(
                new GroupNorm(inChannels, numGroups), new SiLU(), new Conv2d(inChannels, outChannels, 3, 1, 1),
                new GroupNorm(outChannels, numGroups), new SiLU(), new Conv2d(outChannels, outChannels, 3, 1, 1)));
        this.inChannels = inChannels;
        this.outChannels = outChannels;
    }

    public Resnet(int inChannels, int outChannels) {
        this(inChannels, outChannels, 32);
    }

    private static Module shortcut(int in, int out) {
        return in == out ? new Identity() : new Conv2d(in, out, 1);
    }

    @Override
    protected void describe(Attributes a) {
        a.add("in_channels", inChannels).add("out_channels", outChannels);
    }
}

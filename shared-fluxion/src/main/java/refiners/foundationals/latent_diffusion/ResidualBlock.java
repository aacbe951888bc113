package refiners.foundationals.latent_diffusion;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.GroupNorm;
import refiners.fluxion.layers.Identity;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.layers.Sum;

/**
 * The UNet's ResNet block: (GroupNorm, SiLU, 3x3 conv) twice, plus a shortcut (a 1x1 conv when the channel count
 * changes).
 */
public class ResidualBlock extends Sum {
    private final int inChannels;
    private final int outChannels;
    private final int numGroups;
    private final double eps;

    public ResidualBlock(int inChannels, int outChannels) {
        this(inChannels, outChannels, 32, 1e-5);
    }

    public ResidualBlock(int inChannels, int outChannels, int numGroups, double eps) {
        super(new Chain(
                        new GroupNorm(inChannels, numGroups, eps),
                        new SiLU(),
                        new Conv2d(inChannels, outChannels, 3, 1, 1),
                        new GroupNorm(outChannels, numGroups, eps),
                        new SiLU(),
                        new Conv2d(outChannels, outChannels, 3, 1, 1)),
                shortcut(inChannels, outChannels));
        if (inChannels % numGroups != 0 || outChannels % numGroups != 0)
            throw new IllegalArgumentException("Number of input and output channels must be divisible by num_groups.");
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.numGroups = numGroups;
        this.eps = eps;
    }

    private static Module shortcut(int inChannels, int outChannels) {
        return inChannels != outChannels ? new Conv2d(inChannels, outChannels, 1) : new Identity();
    }

    public int inChannels() { return inChannels; }
    public int outChannels() { return outChannels; }

    @Override
    protected void describe(Attributes a) {
        a.add("in_channels", inChannels).add("out_channels", outChannels)
                .addIfNot("num_groups", numGroups, 32).addIfNot("eps", eps, 1e-5);
    }
}

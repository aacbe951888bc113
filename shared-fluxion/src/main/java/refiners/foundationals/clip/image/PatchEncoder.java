package refiners.foundationals.clip.image;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Permute;

/** Non-overlapping patches embedded by one strided convolution, channels last: (B, H/p, W/p, D). */
public class PatchEncoder extends Chain {
    private final int inChannels;
    private final int outChannels;
    private final int patchSize;
    private final boolean useBias;

    public PatchEncoder(int inChannels, int outChannels, int patchSize, boolean useBias) {
        super(new Conv2d(inChannels, outChannels, new int[] {patchSize, patchSize}, new int[] {patchSize, patchSize},
                        new int[] {0, 0}, new int[] {1, 1}, 1, useBias),
                new Permute(0, 2, 3, 1));
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.patchSize = patchSize;
        this.useBias = useBias;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("in_channels", inChannels).add("out_channels", outChannels).add("patch_size", patchSize).addIfNot("use_bias", useBias, true);
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.SiLU;

/**
 * Encodes a ControlNet condition image (B, 3, H, W) to (B, 320, H/8, W/8): a 3x3 convolution, three stages that
 * each halve the resolution (16, 32, 96, 256 channels), and a 3x3 convolution to the UNet's width.
 */
public class ConditionEncoder extends Chain {
    private static final int[] OUT_CHANNELS = {16, 32, 96, 256};

    public ConditionEncoder() {
        super(layers());
    }

    private static List<Module> layers() {
        List<Module> out = new ArrayList<>();
        out.add(new Chain(new Conv2d(3, OUT_CHANNELS[0], 3, 1, 1), new SiLU()));
        for (int i = 0; i < OUT_CHANNELS.length - 1; i++)
            out.add(new Chain(new Conv2d(OUT_CHANNELS[i], OUT_CHANNELS[i], 3, 1, 1), new SiLU(),
                    new Conv2d(OUT_CHANNELS[i], OUT_CHANNELS[i + 1], 3, 2, 1), new SiLU()));
        out.add(new Conv2d(OUT_CHANNELS[OUT_CHANNELS.length - 1], 320, 3, 1, 1));
        return out;
    }
}

package refiners.foundationals.latent_diffusion;

import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.UseContext;

/**
 * What every refiners UNet (SD1, SDXL) adds once its blocks are built: the timestep embedding on each ResidualBlock's
 * first convolution, and the skip connections through context unet.residuals (each down block stores its output,
 * each up block concatenates one, the last slot reaches the middle block).
 */
public final class UNetWiring {
    private UNetWiring() {}

    /** Wires {@code unet}, whose children named DownBlocks and UpBlocks are chains of blocks. */
    public static void wire(Chain unet, String timestepContextKey) {
        for (ResidualBlock block : unet.layers(ResidualBlock.class)) {
            Chain chain = (Chain) block.get("Chain");
            new RangeAdapter2d((Conv2d) chain.get("Conv2d_1"), block.outChannels(), 1280, timestepContextKey).inject(chain);
        }
        int n = 0;
        for (Module block : (Chain) unet.get("DownBlocks")) ((Chain) block).append(new ResidualAccumulator(n++));
        n = 0;
        for (Module block : (Chain) unet.get("UpBlocks")) ((Chain) block).insert(0, new ResidualConcatenator(-n++ - 2));
    }

    /** The last residual slot (0 unless an adapter such as a ControlNet adds to it), added to the middle block. */
    public static UseContext lastResidual() {
        return new UseContext("unet", "residuals").compose(residuals -> UNetResiduals.get(residuals, -1));
    }
}

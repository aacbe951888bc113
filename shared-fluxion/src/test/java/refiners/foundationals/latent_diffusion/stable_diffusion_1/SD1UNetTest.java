package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.foundationals.latent_diffusion.RangeAdapter2d;
import refiners.foundationals.latent_diffusion.ResidualBlock;

class SD1UNetTest {
    @Test
    void inpaintingUNetTakesNineChannels() {
        SD1UNet unet = new SD1UNet(9);
        Map<String, long[]> sd = unet.stateDictShapes();
        assertEquals(686, sd.size());
        assertArrayEquals(new long[] {320, 9, 3, 3}, sd.get("DownBlocks.Chain_1.Conv2d.weight"));
        assertArrayEquals(new long[] {4, 320, 3, 3}, sd.get("Chain.Conv2d.weight"));
        assertTrue(unet.structure().startsWith("(CHAIN) SD1UNet(in_channels=9)\n"));
        assertTrue(unet.structure().contains("(CHAIN) DownBlocks(in_channels=9)"));
    }

    @Test
    void everyResidualBlockGetsARangeAdapterOnItsFirstConv() {
        SD1UNet unet = new SD1UNet(4);
        int blocks = unet.layers(ResidualBlock.class).size();
        assertEquals(8 + 2 + 12, blocks); // down, middle, up
        assertEquals(blocks, unet.layers(RangeAdapter2d.class, true).size());
        for (ResidualBlock b : unet.layers(ResidualBlock.class)) {
            RangeAdapter2d a = ((refiners.fluxion.layers.Chain) b.get("Chain")).ensureFind(RangeAdapter2d.class);
            assertEquals(b.outChannels(), a.target().outChannels());
            assertEquals("timestep_embedding", a.contextKey());
        }
    }
}

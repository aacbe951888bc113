package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Identity;

/** Injecting and ejecting ControlNets (structure only: no weights needed). */
class ControlnetAdapterTest {
    @Test
    void severalControlnetsGoInFrontOfTheUNetAndComeOutLeavingItAsBefore() {
        SD1UNet unet = new SD1UNet(4);
        String before = unet.structure();
        var keys = unet.stateDictShapes().keySet();
        SD1ControlnetAdapter canny = new SD1ControlnetAdapter(unet, "canny", 0.8, 1.0, null).inject();
        SD1ControlnetAdapter depth = new SD1ControlnetAdapter(unet, "depth", 0.5, 0.825, null).inject();
        assertSame(depth.controlnet(), unet.get(0));
        assertSame(canny.controlnet(), unet.get(1));
        assertEquals(List.of("Controlnet_1", "Controlnet_2", "TimestepEncoder"), unet.childNames().subList(0, 3));
        assertThrows(IllegalStateException.class, () -> new SD1ControlnetAdapter(unet, "canny", 1, 1, null).inject(), "one name once");
        canny.setControlnetCondition(Tensor.zeros(refiners.fluxion.DType.F32, 1, 3, 64, 64));
        depth.setControlnetCondition(Tensor.zeros(refiners.fluxion.DType.F32, 1, 3, 64, 64));
        assertEquals(java.util.Set.of("condition_canny", "condition_depth"), unet.context(Controlnet.CONTEXT).keySet());
        canny.eject();
        depth.eject();
        assertEquals(before, unet.structure());
        assertEquals(keys, unet.stateDictShapes().keySet());
    }

    @Test
    void inAChainTheAdapterTakesTheUNetsPlace() {
        SD1UNet unet = new SD1UNet(4);
        Chain parent = new Chain(new Identity(), unet);
        SD1ControlnetAdapter a = new SD1ControlnetAdapter(unet, "canny", 1, 1, null).inject();
        assertSame(a, parent.get(1));
        assertTrue(unet.get(0) instanceof Controlnet);
        a.eject();
        assertSame(unet, parent.get(1));
        assertEquals("TimestepEncoder", unet.childNames().get(0));
    }

    /**
     * refiners' Module.__str__ prints the public attributes of basic types that are __init__ parameters and differ from
     * their defaults, as str(value): Controlnet.__init__(name, scale=1.0, device, dtype) shows name, and scale when it is
     * not 1.0 (Python's float str: 0.25, 2.0); the scale decay is no Controlnet parameter, so it never shows.
     */
    @Test
    void printsAsRefinersDoesWhateverTheScaleAndDecay() {
        assertEquals("Controlnet(name=canny, scale=0.25)", new Controlnet("canny", 0.25, 0.5).toString());
        assertEquals("Controlnet(name=canny, scale=2.0)", new Controlnet("canny", 2, 1).toString());
        assertEquals("Controlnet(name=depth)", new Controlnet("depth", 1, 0.825).toString());
        assertTrue(new Controlnet("cn", 0.8, 0.825).structure().startsWith("(PASS) Controlnet(name=cn, scale=0.8)\n"));
    }

    @Test
    void scalesDecayTowardsTheShallowResiduals() {
        float[] f = Controlnet.scales(0.8, 0.5).toFloatArray();
        assertEquals(13, f.length);
        assertEquals(0.8f, f[12]);
        assertEquals((float) (0.8 * Math.pow(0.5, 12)), f[0]);
    }
}

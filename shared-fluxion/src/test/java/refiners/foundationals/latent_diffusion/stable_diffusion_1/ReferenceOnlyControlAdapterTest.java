package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;
import refiners.foundationals.latent_diffusion.SaveLayerNormAdapter;
import refiners.foundationals.latent_diffusion.SelfAttentionInjectionAdapter;
import refiners.foundationals.latent_diffusion.SelfAttentionInjectionPassthrough;

/** Inject and eject as refiners' test_refonly_inject_eject checks them: every block adapted, then the UNet as before. */
class ReferenceOnlyControlAdapterTest {
    @Test
    void injectAdaptsEveryBlockAndEjectRestoresTheUNet() {
        SD1UNet unet = new SD1UNet(9);
        String before = unet.structure();
        ReferenceOnlyControlAdapter adapter = new ReferenceOnlyControlAdapter(unet, 0.5);
        int blocks = unet.layers(CrossAttentionBlock.class).size();
        assertTrue(blocks > 0);
        assertEquals(before, unet.structure(), "constructing the adapter changed the UNet");
        assertThrows(IllegalStateException.class, adapter::eject);

        adapter.inject();
        assertEquals(1, unet.layers(SelfAttentionInjectionPassthrough.class).size());
        assertEquals(blocks, unet.layers(SaveLayerNormAdapter.class, true).size());
        assertEquals(blocks, unet.layers(SelfAttentionInjectionAdapter.class).size());
        assertThrows(IllegalStateException.class, adapter::inject);

        adapter.eject();
        assertEquals(0, unet.layers(SelfAttentionInjectionPassthrough.class).size());
        assertEquals(0, unet.layers(SelfAttentionInjectionAdapter.class).size());
        assertEquals(before, unet.structure());
        adapter.inject().eject(); // again, from the same adapter
        assertEquals(before, unet.structure());
    }
}

package refiners.mesh.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Weights are listed by name: a client of the public listing never sees a server path. */
class UNetCatalogTest {
    @Test
    void weightsAreNamedByTheirLastPathElement() {
        assertEquals("stable-diffusion-v1-5", UNetCatalog.name("/srv/models/stable-diffusion-v1-5"));
        assertEquals("sd-v1-5-inpainting.safetensors", UNetCatalog.name("/srv/models/sd-v1-5-inpainting.safetensors"));
        assertEquals("detinit", UNetCatalog.name(" detinit "));
        assertEquals("", UNetCatalog.name(""));
    }
}

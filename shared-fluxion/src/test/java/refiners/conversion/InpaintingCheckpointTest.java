package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.FullSizeModels;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;

/**
 * An inpainting checkpoint's 9-channel UNet loads from the three layouts (refiners folder, diffusers folder, CompVis
 * single file such as sd-v1-5-inpainting) with the same tensors, written here from full-size detinit values.
 */
@FullSizeModels
class InpaintingCheckpointTest {
    @TempDir
    static Path dir;

    static Map<String, Tensor> unetSd;

    @BeforeAll
    static void weights() {
        unetSd = DetInit.cachedStateDict("SD1UNet", new SD1UNet(9).stateDictShapes(), SD1Component.INPAINTING_UNET.detinitSeed);
    }

    private static void assertSameTensors(SD1UNet loaded) {
        assertEquals(9, loaded.inChannels());
        CheckpointLoadingTest.assertSameTensors(unetSd, loaded.stateDict(), "inpainting unet");
    }

    /** A file linked from the cache: the same bytes, checked as the same mapping. */
    private static void assertSameMapping(SD1UNet loaded) {
        assertEquals(9, loaded.inChannels());
        CheckpointLoadingTest.assertSameMapping(unetSd, loaded.stateDict(), "inpainting unet");
    }

    @Test
    void refinersFolder() throws Exception {
        Path d = Files.createDirectories(dir.resolve("refiners"));
        Files.createLink(d.resolve("unet.safetensors"), DetInit.cachedFile("SD1UNet", new SD1UNet(9).stateDictShapes(), SD1Component.INPAINTING_UNET.detinitSeed));
        assertSameMapping(SD1Models.inpaintingUnet(new SD1Weights(d)));
    }

    @Test
    void diffusersFolder() throws Exception {
        Path d = dir.resolve("diffusers");
        Files.createDirectories(d.resolve("vae"));
        SafeTensorsWriter.writeLazily(d.resolve("unet/diffusion_pytorch_model.safetensors"), CheckpointLoadingTest.external(unetSd, "sd1_unet.diffusers", ""), Map.of());
        assertSameTensors(SD1Models.inpaintingUnet(new SD1Weights(d)));
    }

    @Test
    void compvisSingleFile() {
        Path f = dir.resolve("sd-v1-5-inpainting.safetensors");
        SafeTensorsWriter.writeLazily(f, CheckpointLoadingTest.external(unetSd, "sd1_unet.compvis", ""), Map.of());
        assertSameTensors(SD1Models.inpaintingUnet(new SD1Weights(f)));
    }

    @Test
    void detinitHasTheOraclesSeed() {
        assertSameMapping(SD1Models.inpaintingUnet(SD1Weights.detinit()));
    }
}

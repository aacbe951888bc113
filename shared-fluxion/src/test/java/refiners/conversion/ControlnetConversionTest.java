package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.FullSizeModels;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.Controlnet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ControlnetLibrary;

/**
 * ControlNet weights by name from a directory: a full-size detinit ControlNet written under diffusers ControlNetModel
 * names (through the inverse of controlnet_sd15.diffusers.tsv) loads the same tensors as the refiners-keyed file.
 */
@FullSizeModels
class ControlnetConversionTest {
    @TempDir
    static Path dir;

    static Map<String, Tensor> refinersKeyed;
    static Path refinersFile;

    @BeforeAll
    static void weights() throws Exception {
        refinersFile = ControlnetLibrary.detinitFile();
        refinersKeyed = DetInit.cachedStateDict("Controlnet", new Controlnet("x").stateDictShapes(), 16);
        Files.createLink(dir.resolve("refiners-cn.safetensors"), refinersFile);
        SafeTensorsWriter.writeLazily(dir.resolve("diffusers-cn.safetensors"), CheckpointLoadingTest.external(refinersKeyed, "controlnet_sd15.diffusers", ""), Map.of());
    }

    @Test
    void theKeyMapCoversTheControlnetOneToOne() {
        ModuleMap map = ModuleMap.load("controlnet_sd15.diffusers");
        Map<String, long[]> shapes = new Controlnet("x").stateDictShapes();
        java.util.Set<String> modules = new java.util.LinkedHashSet<>();
        for (String k : shapes.keySet()) modules.add(k.substring(0, k.lastIndexOf('.')));
        java.util.Set<String> targets = new java.util.LinkedHashSet<>();
        map.modules().values().forEach(e -> targets.add(e.refinersModule()));
        assertEquals(modules, targets);
        assertEquals(map.modules().size(), targets.size(), "two external modules map to one refiners module");
    }

    @Test
    void diffusersAndRefinersFilesLoadTheSameTensors() {
        ControlnetLibrary library = new ControlnetLibrary(dir);
        Controlnet fromDiffusers = library.load("diffusers-cn", "controlnets[0].name");
        Controlnet fromRefiners = library.load("refiners-cn", "controlnets[0].name");
        assertEquals("diffusers-cn", fromDiffusers.name());
        assertEquals(340, fromDiffusers.stateDict().size());
        fromDiffusers.stateDict().forEach((k, t) -> {
            assertEquals(refinersKeyed.get(k).data(), t.data(), k);
            assertEquals(refinersKeyed.get(k).data(), fromRefiners.stateDict().get(k).data(), k);
        });
        assertTrue(library.load("diffusers-cn", "f") == fromDiffusers, "a ControlNet is read once");
    }

    @Test
    void unknownNamesAndForeignFilesAreReported() throws Exception {
        ControlnetLibrary library = new ControlnetLibrary(dir);
        var missing = assertThrows(WeightsDirectory.NotFoundException.class, () -> library.load("nope", "controlnets[1].name"));
        assertTrue(missing.getMessage().startsWith("controlnets[1].name: "), missing.getMessage());
        assertEquals("controlnets[0].name", assertThrows(refiners.fluxion.InvalidRequestException.class,
                () -> library.load("../refiners-cn", "controlnets[0].name")).field());
        Map<String, SafeTensorsWriter.Entry> foreign = new LinkedHashMap<>();
        Tensor t = Tensor.zeros(DType.F32, 4);
        foreign.put("lora_unet_down.weight", new SafeTensorsWriter.Entry(DType.F32, t.shape(), () -> t));
        SafeTensorsWriter.writeLazily(dir.resolve("a-lora.safetensors"), foreign, Map.of());
        assertUnusable(library, "a-lora", "340 missing", "lora_unet_down.weight");
        Files.write(dir.resolve("corrupt.safetensors"), new byte[] {42});
        assertUnusable(library, "corrupt");
    }

    /** The field and the file's name, what is wrong with it, never its server path (that goes to the log). */
    static void assertUnusable(ControlnetLibrary library, String name, String... why) {
        var e = assertThrows(WeightsDirectory.UnusableFileException.class, () -> library.load(name, "controlnets[0].name"));
        assertTrue(e.getMessage().startsWith("controlnets[0].name: ControlNet '" + name + "' cannot be used: "), e.getMessage());
        assertFalse(e.getMessage().contains(dir.toString()), e.getMessage());
        for (String w : why) assertTrue(e.getMessage().contains(w), e.getMessage());
    }
}

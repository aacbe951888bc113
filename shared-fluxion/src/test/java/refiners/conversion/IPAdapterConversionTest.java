package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import refiners.FullSizeModels;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.latent_diffusion.image_prompt.CrossAttentionAdapter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1IPAdapter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/**
 * IP-Adapter files in the published layout (detinit tensors under the real key names, written through the inverse of
 * the key tables) load to the refiners-keyed tensors, and each processor's to_k_ip / to_v_ip lands on the cross-attention
 * diffusers numbers it for: odd numbers in module order, down blocks (1..11), up blocks (13..29), then the middle (31).
 */
@FullSizeModels
class IPAdapterConversionTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void publishedAndRefinersFilesLoadTheSameTensors(boolean plus) {
        SD1UNet unet = new SD1UNet(4);
        SD1IPAdapter adapter = new SD1IPAdapter(unet, 1.0, plus, null);
        Map<String, long[]> shapes = adapter.weightShapes();
        Map<String, Tensor> refiners = DetInit.stateDict(shapes, 7);
        Map<String, SafeTensorsWriter.Entry> published = CheckpointLoadingTest.external(withoutLatents(refiners), plus ? "ipadapter_plus_sd15.published" : "ipadapter_sd15.published", "");
        if (plus) {
            Tensor latents = refiners.get(IPAdapterConversion.LATENTS);
            Tensor stored = latents.reshape(1, latents.dim(0), latents.dim(1));
            published.put(IPAdapterConversion.PUBLISHED_LATENTS, new SafeTensorsWriter.Entry(stored.dtype(), stored.shape(), () -> stored));
        }
        Path file = dir.resolve("ip-adapter.safetensors");
        SafeTensorsWriter.writeLazily(file, published, Map.of());

        assertEquals(plus, IPAdapterConversion.isPlus(Checkpoints.open(file).keySet()));
        Map<String, Tensor> loaded = IPAdapterConversion.stateDict(file, shapes);
        assertEquals(shapes.keySet(), loaded.keySet());
        loaded.forEach((k, t) -> assertEquals(refiners.get(k).data(), t.data(), k));

        // where diffusers' processor numbers point, told by the UNet's structure rather than by the table
        List<CrossAttentionAdapter> subs = adapter.subAdapters();
        Map<Integer, String> expectedPlace = new LinkedHashMap<>();
        List<String> down = new ArrayList<>(), up = new ArrayList<>(), middle = new ArrayList<>();
        for (int i = 0; i < subs.size(); i++) {
            String path = unet.pathOf(subs.get(i).target());
            String refinersKey = String.format("ip_adapter.%03d.to_k_ip.weight", i);
            (path.startsWith("DownBlocks") ? down : path.startsWith("UpBlocks") ? up : middle).add(refinersKey);
        }
        assertEquals(List.of(6, 9, 1), List.of(down.size(), up.size(), middle.size()));
        for (int k = 0; k < 6; k++) expectedPlace.put(1 + 2 * k, down.get(k));
        for (int k = 0; k < 9; k++) expectedPlace.put(13 + 2 * k, up.get(k));
        expectedPlace.put(31, middle.get(0));
        Map<String, Tensor> file2 = Checkpoints.open(file);
        expectedPlace.forEach((processor, key) ->
                assertEquals(file2.get("ip_adapter." + processor + ".to_k_ip.weight").data(), loaded.get(key).data(), "processor " + processor));

        adapter.loadWeights(loaded);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aRefinersFileLoadsAsItIsAndAMissingKeyIsNamed(boolean plus) {
        Map<String, long[]> shapes = new SD1IPAdapter(new SD1UNet(4), 1.0, plus, null).weightShapes();
        Map<String, Tensor> refiners = new LinkedHashMap<>(DetInit.stateDict(shapes, 3));
        assertEquals(plus, IPAdapterConversion.isPlus(refiners.keySet()));
        assertEquals(refiners.keySet(), IPAdapterConversion.convert("x", refiners, shapes).keySet());
        refiners.remove("ip_adapter.015.to_v_ip.weight");
        ConversionException e = assertThrows(ConversionException.class, () -> IPAdapterConversion.convert("x", refiners, shapes));
        assertTrue(e.getMessage().contains("ip_adapter.015.to_v_ip.weight"), e.getMessage());
        assertFalse(IPAdapterConversion.isPlus(Map.of("image_proj.Linear.weight", refiners.values().iterator().next()).keySet()));
    }

    private static Map<String, Tensor> withoutLatents(Map<String, Tensor> t) {
        Map<String, Tensor> out = new LinkedHashMap<>(t);
        out.remove(IPAdapterConversion.LATENTS);
        return out;
    }
}

package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.clip.image.CLIPImageEncoder;
import refiners.foundationals.clip.image.CLIPImageEncoderH;

/**
 * CLIP image encoder weights in the transformers CLIPVisionModelWithProjection layout: the key table covers
 * CLIPImageEncoderH one to one, and a detinit file written under the real key names (an encoder of H's depth and
 * names at a small width, so the file stays small) loads to the refiners-keyed tensors.
 */
class CLIPImageConversionTest {
    @TempDir
    Path dir;

    @Test
    void theKeyTableCoversCLIPImageEncoderHOneToOne() {
        Set<String> modules = new LinkedHashSet<>();
        for (String k : new CLIPImageEncoderH().stateDictShapes().keySet())
            if (!k.equals(CLIPImageConversion.CLASS_TOKEN)) modules.add(k.substring(0, k.lastIndexOf('.')));
        Set<String> targets = new LinkedHashSet<>();
        ModuleMap map = ModuleMap.load("clip_image_h.transformers");
        map.modules().values().forEach(e -> targets.add(e.refinersModule()));
        assertEquals(modules, targets);
        assertEquals(map.modules().size(), targets.size(), "two external modules map to one refiners module");
    }

    @Test
    void aTransformersFileLoadsTheSameTensors() throws Exception {
        CLIPImageEncoder small = new CLIPImageEncoder(28, 16, 8, 14, 32, 2, 32, 1e-5);
        Map<String, long[]> shapes = small.stateDictShapes();
        Map<String, Tensor> refiners = DetInit.stateDict(shapes, 5);
        Map<String, Tensor> withoutToken = new LinkedHashMap<>(refiners);
        Tensor token = withoutToken.remove(CLIPImageConversion.CLASS_TOKEN);
        Map<String, SafeTensorsWriter.Entry> external = CheckpointLoadingTest.external(withoutToken, "clip_image_h.transformers", "");
        Tensor classEmbedding = token.reshape(token.dim(1));
        external.put(CLIPImageConversion.CLASS_EMBEDDING, new SafeTensorsWriter.Entry(DType.F32, classEmbedding.shape(), () -> classEmbedding));
        Tensor positionIds = Tensor.ofLongs(new long[] {1, 5}, new long[] {0, 1, 2, 3, 4});
        external.put("vision_model.embeddings.position_ids", new SafeTensorsWriter.Entry(DType.I64, positionIds.shape(), () -> positionIds));
        Path folder = Files.createDirectories(dir.resolve("image_encoder"));
        SafeTensorsWriter.writeLazily(folder.resolve("model.safetensors"), external, Map.of());

        Map<String, Tensor> loaded = CLIPImageConversion.stateDict(folder, shapes);
        assertEquals(shapes.keySet(), loaded.keySet());
        loaded.forEach((k, t) -> assertEquals(refiners.get(k).data(), t.data(), k));
        small.loadStateDict(loaded);
        // a refiners-format file loads as it is
        SafeTensorsWriter.write(dir.resolve("refiners.safetensors"), refiners);
        assertEquals(shapes.keySet(), CLIPImageConversion.stateDict(dir.resolve("refiners.safetensors"), shapes).keySet());
    }
}

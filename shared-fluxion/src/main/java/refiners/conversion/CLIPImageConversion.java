package refiners.conversion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import refiners.fluxion.Tensor;

/**
 * CLIP ViT-H/14 image encoder weights under refiners keys, from a refiners-format file or a transformers
 * CLIPVisionModelWithProjection (a folder with model.safetensors, as IP-Adapter ships models/image_encoder, or the
 * file), whose keys map through refiners/conversion/clip_image_h.transformers.tsv. The layout is told by the keys.
 */
public final class CLIPImageConversion {
    static final String TRANSFORMERS_KEY = "vision_model.embeddings.patch_embedding.weight";
    /** The class token: a bare (D,) parameter in transformers, a (1, D) Parameter here. */
    static final String CLASS_EMBEDDING = "vision_model.embeddings.class_embedding", CLASS_TOKEN = "ViTEmbeddings.Concatenate.ClassToken.Parameter.weight";

    private CLIPImageConversion() {}

    /** @param expected the encoder's state-dict shapes */
    public static Map<String, Tensor> stateDict(Path location, Map<String, long[]> expected) {
        Path file = Files.isDirectory(location) ? Checkpoints.firstExisting(location, "model.safetensors", "model.fp16.safetensors") : location;
        return convert(file.getFileName().toString(), Checkpoints.open(file), expected);
    }

    static Map<String, Tensor> convert(String source, Map<String, Tensor> tensors, Map<String, long[]> expected) {
        if (!tensors.containsKey(TRANSFORMERS_KEY))
            return KeyConversion.convert(source, tensors, ModuleMap.identity("refiners CLIPImageEncoderH", expected.keySet()), expected, k -> false).tensors();
        Map<String, Tensor> renamed = KeyConversion.renameParameter(tensors, CLASS_EMBEDDING, CLASS_TOKEN, expected.getOrDefault(CLASS_TOKEN, new long[] {-1}));
        ModuleMap map = ModuleMap.load("clip_image_h.transformers").withIdentity(CLASS_TOKEN);
        return KeyConversion.convert(source, renamed, map, expected, k -> k.equals("vision_model.embeddings.position_ids")).tensors();
    }
}

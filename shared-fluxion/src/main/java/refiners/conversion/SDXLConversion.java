package refiners.conversion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import refiners.fluxion.Tensor;

/**
 * Stable Diffusion XL weights from diffusers folders and single-file SGM checkpoints to refiners keys, one model at a
 * time, through the key tables in refiners/conversion. Only the requested model's tensors are mapped.
 */
public final class SDXLConversion {
    private SDXLConversion() {}

    /** The text towers' tensors the DoubleTextEncoder does not use: CLIP-L past its penultimate layer, buffers, OpenCLIP's logit scale. */
    static final Predicate<String> UNUSED = k -> k.endsWith("embeddings.position_ids") || k.endsWith("model.logit_scale")
            || k.contains("text_model.encoder.layers.11.") || k.contains("text_model.final_layer_norm.");

    /**
     * One model of an SDXL diffusers folder, keyed as its state dict ({@code expected}). The text encoder reads both
     * text_encoder/ and text_encoder_2/: each part is checked against the keys its table targets, then the union
     * against the whole model.
     */
    public static KeyConversion.Result diffusersFolder(Path dir, SDXLComponent part, Map<String, long[]> expected) {
        if (part == SDXLComponent.TEXT_ENCODER && !Files.isDirectory(dir.resolve("text_encoder_2")))
            throw new ConversionException(dir + " is not an SDXL diffusers folder: it has no text_encoder_2/ (an SD 1.x folder?)");
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<String> dropped = new ArrayList<>();
        for (SDXLComponent.DiffusersPart p : part.diffusers) {
            Path file = Checkpoints.firstExisting(dir.resolve(p.folder()), p.files().toArray(String[]::new));
            ModuleMap map = p.map();
            Set<String> targets = map.modules().values().stream().map(ModuleMap.Entry::refinersModule).collect(Collectors.toSet());
            Map<String, long[]> own = new LinkedHashMap<>();
            expected.forEach((k, s) -> { if (targets.contains(k.substring(0, k.lastIndexOf('.')))) own.put(k, s); });
            KeyConversion.Result r = KeyConversion.convert(file.toString(), Checkpoints.open(file), map, own, UNUSED);
            out.putAll(r.tensors());
            dropped.addAll(r.dropped());
        }
        List<String> missing = expected.keySet().stream().filter(k -> !out.containsKey(k)).toList();
        if (!missing.isEmpty()) throw new ConversionException(dir + ": the " + part.label + " tables leave keys without a tensor:" + ConversionException.list("missing", missing));
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String k : expected.keySet()) ordered.put(k, out.get(k));
        return new KeyConversion.Result(ordered, dropped);
    }

    /**
     * Whether a location holds SDXL weights rather than SD 1.x: a diffusers folder with text_encoder_2/, a single file
     * with conditioner.embedders.* keys, a refiners folder whose UNet has SDXL's text-time embedding.
     */
    public static boolean isSdxl(Path location) {
        return switch (Checkpoints.detect(location)) {
            case DIFFUSERS_FOLDER -> Files.isDirectory(location.resolve("text_encoder_2"));
            case COMPVIS_FILE -> Checkpoints.keys(location).stream().anyMatch(k -> k.startsWith("conditioner.embedders."));
            case REFINERS_FOLDER -> Checkpoints.keys(location.resolve(SDXLComponent.UNET.refinersFile)).stream().anyMatch(k -> k.contains("TextTimeEmbedding"));
        };
    }

    /** Keys of a single-file checkpoint that are no model's weights (schedule buffers, EMA copies, the text towers' unused parts). */
    static final Predicate<String> SINGLE_FILE_EXTRAS = UNUSED.or(k -> !k.contains(".") || k.startsWith("model_ema.") || k.startsWith("denoiser.")
            || k.startsWith("first_stage_model.loss."));

    /** One model of a single-file SGM checkpoint ({@code model.diffusion_model.*}, {@code first_stage_model.*}, {@code conditioner.embedders.*}). */
    public static KeyConversion.Result singleFile(Path file, SDXLComponent part, Map<String, long[]> expected) {
        SINGLE_FILE_KEYS.check(file, Checkpoints.keys(file));
        Map<String, Tensor> own = Checkpoints.open(file, part::ownsSingleFileKey);
        if (part == SDXLComponent.TEXT_ENCODER) own = OpenCLIPKeys.unfuse(own, "conditioner.embedders.1.model.");
        return KeyConversion.convert(file + " (" + part.label + ")", own, ModuleMap.load(part.singleFileTable), expected, SINGLE_FILE_EXTRAS);
    }

    /** Refuses what is not an SDXL single file (SD 1.x, unknown keys) before anything is mapped. */
    private static final SingleFileKeys SINGLE_FILE_KEYS = new SingleFileKeys("cond_stage_model.",
            " is an SD 1.x checkpoint (cond_stage_model.* keys), not SDXL",
            k -> java.util.Arrays.stream(SDXLComponent.values()).anyMatch(c -> c.ownsSingleFileKey(k)) || SINGLE_FILE_EXTRAS.test(k),
            "not an SDXL checkpoint?", "conditioner.embedders.1.", "not a single-file SDXL checkpoint");
}

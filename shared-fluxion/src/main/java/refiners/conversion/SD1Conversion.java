package refiners.conversion;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import refiners.fluxion.Tensor;

/**
 * Stable Diffusion 1.x weights from diffusers folders and single-file CompVis checkpoints to refiners keys, one model
 * at a time, through the module tables in refiners/conversion. Only the requested model's tensors are mapped.
 */
public final class SD1Conversion {
    private SD1Conversion() {}

    /** One model of a diffusers folder ({@code unet/}, {@code text_encoder/}, {@code vae/}), keyed as its state dict. */
    public static KeyConversion.Result diffusersFolder(Path dir, SD1Component part, Map<String, long[]> expected) {
        if (java.nio.file.Files.isDirectory(dir.resolve("text_encoder_2")))
            throw new ConversionException(dir + " is an SDXL diffusers folder (text_encoder_2/): it does not fit Stable Diffusion 1.x");
        Path file = Checkpoints.firstExisting(dir.resolve(part.diffusersFolder), part.diffusersFiles.toArray(String[]::new));
        return KeyConversion.convert(file.toString(), Checkpoints.open(file), part.diffusersMap(), expected,
                k -> k.equals("text_model.embeddings.position_ids"));
    }

    /** Keys of a single-file checkpoint that are not weights of the three models (EMA copies, schedule buffers ...). */
    static final Predicate<String> COMPVIS_EXTRAS = k -> k.startsWith("model_ema.") || k.startsWith("first_stage_model.loss.")
            || !k.contains(".") || k.endsWith("embeddings.position_ids") || k.startsWith("cond_stage_model.model.");

    /** One model of a single-file CompVis checkpoint ({@code model.diffusion_model.*}, {@code first_stage_model.*} ...). */
    public static KeyConversion.Result compvisFile(Path file, SD1Component part, Map<String, long[]> expected) {
        COMPVIS_KEYS.check(file, Checkpoints.keys(file));
        Map<String, Tensor> own = new LinkedHashMap<>();
        Checkpoints.open(file, k -> k.startsWith(part.compvisPrefix)).forEach((k, t) -> own.put(part == SD1Component.TEXT_ENCODER ? withTextModel(k) : k, t));
        return KeyConversion.convert(file + " (" + part.label + ")", own, ModuleMap.load(part.compvisTable), expected, COMPVIS_EXTRAS);
    }

    /** Refuses what is not an SD 1.x single file (SDXL, unknown keys) before anything is mapped. */
    private static final SingleFileKeys COMPVIS_KEYS = new SingleFileKeys("conditioner.embedders.",
            " is an SDXL checkpoint (conditioner.embedders.* keys): give it as SDXL weights (REFINERS_SDXL_WEIGHTS, --sdxl-weights)",
            k -> java.util.Arrays.stream(SD1Component.values()).anyMatch(c -> k.startsWith(c.compvisPrefix)) || COMPVIS_EXTRAS.test(k)
                    || k.startsWith("alphas") || k.startsWith("betas") || k.startsWith("sqrt_") || k.startsWith("log_one_minus")
                    || k.startsWith("posterior_") || k.equals("logvar") || k.equals("lvlb_weights"),
            "not an SD 1.x CompVis checkpoint?", SD1Component.UNET.compvisPrefix, "not a single-file SD 1.x checkpoint");

    /** Old single files store the text tower without the "text_model." level transformers has since added. */
    private static String withTextModel(String key) {
        String prefix = SD1Component.TEXT_ENCODER.compvisPrefix;
        String rest = key.substring(prefix.length());
        return rest.startsWith("text_model.") ? key : prefix + "text_model." + rest;
    }
}

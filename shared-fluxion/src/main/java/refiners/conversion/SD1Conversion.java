package refiners.conversion;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import refiners.fluxion.Tensor;

/**
 * Stable Diffusion 1.x weights from diffusers folders and single-file CompVis checkpoints to refiners keys, through
 * the module tables in refiners/conversion. Each model's tensors come back keyed as its state dict.
 */
public final class SD1Conversion {
    /** Converted state dicts of the three models, with a coverage report. */
    public record Converted(Map<String, Tensor> textEncoder, Map<String, Tensor> unet, Map<String, Tensor> autoencoder, String report) {}

    private SD1Conversion() {}

    public static Converted diffusersFolder(Path dir, Map<String, long[]> textEncoderKeys, Map<String, long[]> unetKeys, Map<String, long[]> autoencoderKeys) {
        Path te = Checkpoints.firstExisting(dir.resolve("text_encoder"), "model.safetensors", "model.fp16.safetensors");
        Path unet = Checkpoints.firstExisting(dir.resolve("unet"), "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors");
        Path vae = Checkpoints.firstExisting(dir.resolve("vae"), "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors");
        KeyConversion.Result t = KeyConversion.convert(te.toString(), Checkpoints.open(te), ModuleMap.load("clip_text_l.transformers"), textEncoderKeys,
                k -> k.equals("text_model.embeddings.position_ids"));
        KeyConversion.Result u = KeyConversion.convert(unet.toString(), Checkpoints.open(unet), ModuleMap.load("sd1_unet.diffusers"), unetKeys, k -> false);
        KeyConversion.Result v = KeyConversion.convert(vae.toString(), Checkpoints.open(vae),
                ModuleMap.load("sd1_autoencoder.diffusers").withAliases("sd1_autoencoder.diffusers.aliases"), autoencoderKeys, k -> false);
        return new Converted(t.tensors(), u.tensors(), v.tensors(),
                String.join("\n", t.report("text encoder"), u.report("unet"), v.report("autoencoder")));
    }

    /** Keys of a single-file checkpoint that are not weights of the three models (EMA copies, schedule buffers ...). */
    static final Predicate<String> COMPVIS_EXTRAS = k -> k.startsWith("model_ema.") || k.startsWith("first_stage_model.loss.")
            || !k.contains(".") || k.endsWith("embeddings.position_ids") || k.startsWith("cond_stage_model.model.");

    public static Converted compvisFile(Path file, Map<String, long[]> textEncoderKeys, Map<String, long[]> unetKeys, Map<String, long[]> autoencoderKeys) {
        Map<String, Tensor> all = Checkpoints.open(file);
        if (all.keySet().stream().anyMatch(k -> k.startsWith("conditioner.embedders.")))
            throw new ConversionException(file + " is an SDXL checkpoint (conditioner.embedders.* keys): this project serves SD 1.x models");
        Map<String, Tensor> te = new LinkedHashMap<>(), unet = new LinkedHashMap<>(), vae = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : all.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("cond_stage_model.transformer.")) te.put(withTextModel(k), e.getValue());
            else if (k.startsWith("model.diffusion_model.")) unet.put(k, e.getValue());
            else if (k.startsWith("first_stage_model.")) vae.put(k, e.getValue());
            else if (!COMPVIS_EXTRAS.test(k) && !k.startsWith("alphas") && !k.startsWith("betas") && !k.startsWith("sqrt_")
                    && !k.startsWith("log_one_minus") && !k.startsWith("posterior_") && !k.equals("logvar") && !k.equals("lvlb_weights"))
                throw new ConversionException(file + ": unexpected key " + k + " (not an SD 1.x CompVis checkpoint?)");
        }
        if (unet.isEmpty()) throw new ConversionException(file + ": no model.diffusion_model.* keys: not a single-file SD 1.x checkpoint");
        KeyConversion.Result t = KeyConversion.convert(file + " (text encoder)", te, ModuleMap.load("clip_text_l.compvis"), textEncoderKeys, COMPVIS_EXTRAS);
        KeyConversion.Result u = KeyConversion.convert(file + " (unet)", unet, ModuleMap.load("sd1_unet.compvis"), unetKeys, COMPVIS_EXTRAS);
        KeyConversion.Result v = KeyConversion.convert(file + " (autoencoder)", vae, ModuleMap.load("sd1_autoencoder.compvis"), autoencoderKeys, COMPVIS_EXTRAS);
        return new Converted(t.tensors(), u.tensors(), v.tensors(),
                String.join("\n", t.report("text encoder"), u.report("unet"), v.report("autoencoder")));
    }

    /** Old single files store the text tower without the "text_model." level transformers has since added. */
    private static String withTextModel(String key) {
        String prefix = "cond_stage_model.transformer.";
        String rest = key.substring(prefix.length());
        return rest.startsWith("text_model.") ? key : prefix + "text_model." + rest;
    }
}

package refiners.conversion;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import refiners.fluxion.Tensor;

/**
 * The LoRA key names of one model family: kohya prefixes (lora_unet_, lora_te_ ...) to their module names ('.' as '_')
 * and refiners modules, diffusers/PEFT prefixes (unet, text_encoder ...) to key tables, names that exist in the source
 * model but not in ours (skipped), and how the other family's files are recognised.
 */
record LoraFamily(String label, Map<String, Map<String, String>> kohya, Map<String, ModuleMap> peft, Set<String> unused,
                  String otherLabel, Predicate<String> otherFamilyKey) {
    /** refiners-layout keys of one family's modules (their paths differ where the cross-attention and text encoders do). */
    static final Predicate<String> REFINERS_SD1 = k -> k.startsWith("text_encoder.TransformerLayer") || k.startsWith("unet.") && k.contains(".CLIPLCrossAttention.");
    static final Predicate<String> REFINERS_SDXL = k -> k.startsWith("text_encoder.Parallel.") || k.startsWith("unet.") && k.contains(".SDXLCrossAttention.");

    /** The target UNet is SDXL's when it has SDXL's text-time embedding. */
    static final Predicate<Map<String, long[]>> SDXL_MARK = keys -> keys.keySet().stream().anyMatch(k -> k.contains("TextTimeEmbedding"));

    /**
     * SDXL: UNet layers by diffusers or SGM path (both are in use), the two text encoders as transformers names them
     * (kohya trains CLIP-L's last layer too, which SDXL does not use: skipped).
     */
    static LoraFamily sdxl() {
        Map<String, String> unet = new LinkedHashMap<>(LoraFormats.kohyaNames("sdxl_unet.diffusers"));
        String sgm = "model.diffusion_model.";
        ModuleMap.load("sdxl_unet.sgm").modules().forEach((ext, e) -> unet.put(ext.substring(sgm.length()).replace('.', '_'), e.refinersModule()));
        Set<String> unused = new HashSet<>();
        for (String m : ModuleMap.load("clip_text_l.transformers").modules().keySet())
            if (m.startsWith("text_model.encoder.layers.11.")) {
                unused.add("lora_te1_" + m.replace('.', '_'));
                unused.add("text_encoder." + m);
            }
        Map<String, String> sd1Unet = LoraFormats.kohyaUnet();
        ModuleMap sd1Table = ModuleMap.load("sd1_unet.diffusers"), sdxlTable = ModuleMap.load("sdxl_unet.diffusers");
        Predicate<String> sd1Key = k -> {
            if (k.startsWith("lora_te_") || REFINERS_SD1.test(k)) return true;
            String module = k.replaceFirst("\\.(lora_down\\.weight|lora_up\\.weight|alpha|lora_A\\.weight|lora_B\\.weight)$", "");
            if (module.equals(k)) return false;
            if (k.startsWith("lora_unet_")) return !unet.containsKey(module.substring(10)) && sd1Unet.containsKey(module.substring(10));
            if (k.startsWith("unet.")) return !sdxlTable.modules().containsKey(module.substring(5)) && sd1Table.modules().containsKey(module.substring(5));
            return false;
        };
        return new LoraFamily("SDXL",
                Map.of("lora_unet_", unet, "lora_te1_", LoraFormats.kohyaNames("sdxl_text_encoder_l.transformers"),
                        "lora_te2_", LoraFormats.kohyaNames("sdxl_text_encoder_g.transformers")),
                Map.of("unet", sdxlTable, "text_encoder", ModuleMap.load("sdxl_text_encoder_l.transformers"),
                        "text_encoder_2", ModuleMap.load("sdxl_text_encoder_g.transformers")),
                Set.copyOf(unused), "SD 1.x", sd1Key);
    }

    /** Refuses a file made for the other family, or LyCORIS weights that are not LoRA, before anything is mapped. */
    void rejectOtherFamily(String source, Map<String, Tensor> tensors) {
        for (String k : tensors.keySet()) {
            if (otherFamilyKey.test(k))
                throw new OtherFamilyException(source + " is a LoRA for another architecture (" + otherLabel + "-style key " + k + "): it does not fit " + label);
            if (k.contains("hada_w") || k.contains("lokr_w") || k.contains(".oft_"))
                throw new ConversionException(source + ": LyCORIS LoHa/LoKr/OFT weights (" + k + ") are not LoRA: unsupported");
        }
    }
}

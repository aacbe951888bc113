package refiners.conversion;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import refiners.fluxion.Tensor;

/**
 * Reads the LoRA files people have, mapping every key to the layer it names through the module tables (never by
 * guessing from shapes):
 * <ul>
 *   <li>kohya / Civitai: lora_unet_{diffusers module with _}.lora_down.weight / .lora_up.weight / .alpha, and lora_te_
 *       for the text encoder;</li>
 *   <li>diffusers / PEFT: unet.{module}.lora_A.weight / lora_B.weight (or .lora.down / .lora.up,
 *       .lora_linear_layer.down / .up, attn processors' to_q_lora.down ...), text_encoder.{module} likewise;</li>
 *   <li>refiners: unet.{refiners module}.down.weight / .up.weight [/ .alpha], text_encoder.{refiners module} ...</li>
 * </ul>
 * The family (SD 1.x or SDXL) is the target model's: SDXL files name UNet layers by their diffusers or SGM paths
 * (lora_unet_down_blocks_… / lora_unet_input_blocks_…) and the two text encoders as lora_te1_ / lora_te2_ (diffusers:
 * text_encoder. / text_encoder_2.), all landing on the DoubleTextEncoder. Keys that name no layer of the family, or
 * files for the other family, are one clear error.
 */
public final class LoraFormats {
    private static final Pattern KOHYA = Pattern.compile("(lora_unet_|lora_te_|lora_te1_|lora_te2_)(.+)\\.(lora_down\\.weight|lora_up\\.weight|alpha)");
    private static final Pattern PEFT = Pattern.compile("(unet|text_encoder|text_encoder_2)\\.(.+?)\\.(lora_A\\.weight|lora_B\\.weight|lora\\.down\\.weight|lora\\.up\\.weight"
            + "|lora_linear_layer\\.down\\.weight|lora_linear_layer\\.up\\.weight|alpha)");
    private static final Pattern PROCESSOR = Pattern.compile("(.*)\\.processor\\.(to_q|to_k|to_v|to_out)_lora\\.(down|up)\\.weight");
    private static final Pattern REFINERS = Pattern.compile("(unet|text_encoder)\\.(.+)\\.(down\\.weight|up\\.weight|alpha)");

    private static volatile Map<String, String> kohyaUnet, kohyaTextEncoder;
    private static volatile LoraFamily sdxl;

    private LoraFormats() {}

    /** Parses a .safetensors LoRA file; name defaults to the file name without extension. */
    public static LoraFile read(Path file, String name, Map<String, long[]> unetKeys, Map<String, long[]> textEncoderKeys) {
        Checkpoints.refusePickle(file);
        Map<String, Tensor> tensors = Checkpoints.open(file);
        long size;
        try {
            size = Files.size(file);
        } catch (java.io.IOException e) {
            size = -1;
        }
        return parse(file.toString(), name, tensors, unetKeys, textEncoderKeys, size);
    }

    public static LoraFile parse(String source, String name, Map<String, Tensor> tensors, Map<String, long[]> unetKeys, Map<String, long[]> textEncoderKeys, long size) {
        if (tensors.isEmpty()) throw new ConversionException(source + ": empty LoRA file");
        LoraFamily family = LoraFamily.SDXL_MARK.test(unetKeys) ? sdxl() : sd1();
        family.rejectOtherFamily(source, tensors);
        String first = tensors.keySet().iterator().next();
        Parts parts;
        String format;
        if (tensors.keySet().stream().allMatch(k -> k.startsWith("lora_unet_") || k.startsWith("lora_te"))) {
            format = "kohya";
            parts = kohya(family, tensors);
        } else if (tensors.keySet().stream().anyMatch(k -> k.contains("lora_A") || k.contains(".lora.") || k.contains("lora_linear_layer") || k.contains("_lora."))) {
            format = "diffusers";
            parts = diffusers(family, tensors);
        } else if (REFINERS.matcher(first).matches()) {
            format = "refiners";
            parts = refiners(family, tensors);
        } else {
            throw new ConversionException(source + ": unrecognised LoRA key layout (first key " + first + "): expected kohya (lora_unet_...), diffusers/PEFT (unet....lora_A.weight) or refiners (unet.<refiners path>.down.weight) keys");
        }
        return new LoraFile(name, format, parts.build(source, "unet", unetKeys), parts.build(source, "text_encoder", textEncoderKeys), size);
    }

    /** The SD 1.x names: kohya's lora_unet_ / lora_te_ and diffusers' unet. / text_encoder. over the SD1 tables. */
    private static LoraFamily sd1() {
        return new LoraFamily("SD 1.x", Map.of("lora_unet_", kohyaUnet(), "lora_te_", kohyaTextEncoder()),
                Map.of("unet", ModuleMap.load("sd1_unet.diffusers"), "text_encoder", ModuleMap.load("clip_text_l.transformers")), java.util.Set.of(),
                "SDXL", k -> LoraFamily.REFINERS_SDXL.test(k) || k.startsWith("lora_te1_") || k.startsWith("lora_te2_") || k.startsWith("text_encoder_2.") || k.contains("transformer_blocks_1")
                        || k.contains("transformer_blocks.1.") || k.contains("add_embedding") || k.startsWith("lora_unet_input_blocks") || k.startsWith("lora_unet_output_blocks"));
    }

    private static LoraFamily sdxl() {
        if (sdxl == null) sdxl = LoraFamily.sdxl();
        return sdxl;
    }

    /** Per model, per target module: collected tensors, resolved to refiners modules at build time. */
    private static final class Parts {
        final Map<String, Map<String, Map<String, Tensor>>> byModel = new LinkedHashMap<>();
        final List<String> unknown = new ArrayList<>();

        final String family;

        Parts(String family) {
            this.family = family;
        }

        void put(String model, String refinersModule, String role, Tensor t) {
            byModel.computeIfAbsent(model, m -> new LinkedHashMap<>()).computeIfAbsent(refinersModule, m -> new LinkedHashMap<>()).put(role, t);
        }

        Map<String, LoraFile.Layer> build(String source, String model, Map<String, long[]> keys) {
            if (!unknown.isEmpty()) throw new ConversionException(source + ": " + unknown.size() + " keys name no " + family + " layer: "
                    + String.join(", ", unknown.subList(0, Math.min(10, unknown.size()))) + (unknown.size() > 10 ? ", ..." : ""));
            Map<String, LoraFile.Layer> out = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            for (Map.Entry<String, Map<String, Tensor>> e : byModel.getOrDefault(model, Map.of()).entrySet()) {
                String target = e.getKey();
                Tensor down = e.getValue().get("down"), up = e.getValue().get("up"), alpha = e.getValue().get("alpha");
                long[] w = keys.get(target + ".weight");
                if (w == null) {
                    problems.add(model + "." + target + " is not a layer");
                    continue;
                }
                if (down == null || up == null) {
                    problems.add(model + "." + target + " lacks its " + (down == null ? "down" : "up") + " weight");
                    continue;
                }
                if ((down.rank() != 2 && down.rank() != 4) || (up.rank() != 2 && up.rank() != 4) || !down.dtype().isFloatingPoint() || !up.dtype().isFloatingPoint()) {
                    problems.add(model + "." + target + ": down " + down.dtype() + " " + java.util.Arrays.toString(down.shape()) + ", up " + up.dtype() + " "
                            + java.util.Arrays.toString(up.shape()) + " are not floating-point matrices or convolution kernels");
                    continue;
                }
                if (alpha != null && (alpha.numel() != 1 || !alpha.dtype().isFloatingPoint() || !Float.isFinite(alpha.toFloatArray()[0]))) {
                    problems.add(model + "." + target + ": alpha must be one finite floating-point number, got " + alpha.dtype() + " " + java.util.Arrays.toString(alpha.shape())
                            + (alpha.numel() == 1 && alpha.dtype().isFloatingPoint() ? " = " + alpha.toFloatArray()[0] : ""));
                    continue;
                }
                if (w.length == 4 && w[2] == 1 && w[3] == 1 && down.rank() == 2 && up.rank() == 2) { // Linear-shaped LoRA on a 1x1 conv
                    down = down.reshape(down.dim(0), down.dim(1), 1, 1);
                    up = up.reshape(up.dim(0), up.dim(1), 1, 1);
                }
                boolean fits = down.dim(0) >= 1 && down.dim(0) == up.dim(1) && up.dim(0) == w[0] && down.dim(1) == (w.length > 1 ? w[1] : -1)
                        && down.rank() == up.rank() && (up.rank() == 2 || (up.dim(2) == 1 && up.dim(3) == 1))
                        && (w.length == 2 ? down.rank() == 2 || (down.dim(2) == 1 && down.dim(3) == 1)
                                : w.length == 4 && down.rank() == 4 && down.dim(2) == w[2] && down.dim(3) == w[3]);
                if (!fits) {
                    problems.add(model + "." + target + ": down " + java.util.Arrays.toString(down.shape()) + ", up " + java.util.Arrays.toString(up.shape())
                            + " do not fit the layer " + java.util.Arrays.toString(w));
                    continue;
                }
                if (w.length == 2 && down.rank() == 4) { // 1x1 conv-shaped LoRA on a Linear (diffusers proj_in/out use Linear in some versions)
                    down = down.reshape(down.dim(0), down.dim(1));
                    up = up.reshape(up.dim(0), up.dim(1));
                }
                out.put(target, new LoraFile.Layer(down, up, alpha == null ? null : (double) alpha.toFloatArray()[0]));
            }
            if (!problems.isEmpty()) throw new ConversionException(source + ": " + String.join("; ", problems.subList(0, Math.min(10, problems.size())))
                    + (problems.size() > 10 ? " ... (" + problems.size() + " problems)" : ""));
            return out;
        }
    }

    private static Parts kohya(LoraFamily family, Map<String, Tensor> tensors) {
        Parts p = new Parts(family.label());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Matcher m = KOHYA.matcher(e.getKey());
            Map<String, String> names = m.matches() ? family.kohya().get(m.group(1)) : null;
            if (names != null && family.unused().contains(m.group(1) + m.group(2))) continue;
            String module = names == null ? null : names.get(m.group(2));
            if (module == null) {
                p.unknown.add(e.getKey());
                continue;
            }
            p.put(m.group(1).equals("lora_unet_") ? "unet" : "text_encoder", module, role(m.group(3)), e.getValue());
        }
        return p;
    }

    private static Parts diffusers(LoraFamily family, Map<String, Tensor> tensors) {
        Parts p = new Parts(family.label());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String key = e.getKey();
            Matcher proc = PROCESSOR.matcher(key);
            if (proc.matches()) // attention processor layout: ...attn1.processor.to_q_lora.down.weight
                key = proc.group(1) + "." + proc.group(2) + (proc.group(2).equals("to_out") ? ".0" : "") + ".lora." + proc.group(3) + ".weight";
            Matcher m = PEFT.matcher(key);
            if (!m.matches()) {
                p.unknown.add(e.getKey());
                continue;
            }
            boolean isUnet = m.group(1).equals("unet");
            ModuleMap table = family.peft().get(m.group(1));
            if (table != null && family.unused().contains(m.group(1) + "." + m.group(2))) continue;
            ModuleMap.Entry entry = table == null ? null : table.modules().get(m.group(2));
            if (entry == null) {
                p.unknown.add(e.getKey());
                continue;
            }
            p.put(isUnet ? "unet" : "text_encoder", entry.refinersModule(), role(m.group(3)), e.getValue());
        }
        return p;
    }

    private static Parts refiners(LoraFamily family, Map<String, Tensor> tensors) {
        Parts p = new Parts(family.label());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Matcher m = REFINERS.matcher(e.getKey());
            if (!m.matches()) {
                p.unknown.add(e.getKey());
                continue;
            }
            p.put(m.group(1), m.group(2), role(m.group(3)), e.getValue());
        }
        return p;
    }

    private static String role(String suffix) {
        if (suffix.equals("alpha")) return "alpha";
        return suffix.contains("down") || suffix.contains("lora_A") ? "down" : "up";
    }

    /** kohya module name (diffusers path, '.' -> '_') to refiners module, from the diffusers tables. */
    public static Map<String, String> kohyaUnet() {
        if (kohyaUnet == null) kohyaUnet = kohyaNames("sd1_unet.diffusers");
        return kohyaUnet;
    }

    public static Map<String, String> kohyaTextEncoder() {
        if (kohyaTextEncoder == null) kohyaTextEncoder = kohyaNames("clip_text_l.transformers");
        return kohyaTextEncoder;
    }

    static Map<String, String> kohyaNames(String table) {
        Map<String, String> out = new LinkedHashMap<>();
        ModuleMap.load(table).modules().forEach((ext, e) -> out.put(ext.replace('.', '_'), e.refinersModule()));
        return java.util.Collections.unmodifiableMap(out);
    }
}

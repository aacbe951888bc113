package refiners.fuzz;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import refiners.conversion.LoraFormats;
import refiners.conversion.ModuleMap;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Autoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/**
 * Valid small files the fuzzer damages, one per target: a safetensors file with every dtype, a LoRA in each format
 * (refiners, kohya, diffusers/PEFT) touching one UNet and one text-encoder layer, and a few autoencoder tensors in the
 * CompVis single-file and diffusers layouts (the loaders then check them against those tensors' real shapes).
 */
final class FuzzSeeds {
    static final String UNET_TARGET = "DownBlocks.Chain_2.CLIPLCrossAttention.Chain_2.CrossAttentionBlock.Residual_1.SelfAttention.Distribute.Linear_1";
    static final String TEXT_TARGET = "TransformerLayer_4.Residual_1.SelfAttention.Distribute.Linear_3";

    final Map<String, long[]> unetShapes = new SD1UNet(4).stateDictShapes();
    final Map<String, long[]> textEncoderShapes = new CLIPTextEncoderL().stateDictShapes();
    private final Map<String, long[]> autoencoderShapes = new SD1Autoencoder().stateDictShapes();

    /** Every dtype, a scalar, an empty tensor and metadata. */
    SafeTensorsImage generic() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("f32", DetInit.tensor("f32", new long[] {2, 3}, 1));
        t.put("f16", DetInit.tensor("f16", new long[] {4}, 1).to(DType.F16));
        t.put("bf16", DetInit.tensor("bf16", new long[] {2, 2}, 1).to(DType.BF16));
        t.put("f64", Tensor.ofDoubles(new long[] {1}, 0.5));
        t.put("i64", Tensor.ofLongs(new long[] {3}, 1, -2, 3));
        t.put("i32", Tensor.ofInts(new long[] {2}, 7, 8));
        t.put("u8", Tensor.ofLongs(new long[] {5}, 1, 2, 3, 4, 5).to(DType.U8));
        t.put("bool", Tensor.ofLongs(new long[] {3}, 1, 0, 1).to(DType.BOOL));
        t.put("scalar", Tensor.ofFloats(new long[0], 2f));
        t.put("empty", Tensor.zeros(DType.F32, 0, 3));
        return SafeTensorsImage.of(t, Map.of("format", "pt"));
    }

    /** refiners' LoRA keys: unet.{module}.down.weight / .up.weight / .alpha. */
    SafeTensorsImage loraRefiners() {
        return lora(m -> m + ".down.weight", m -> m + ".up.weight", m -> m + ".alpha", "unet." + UNET_TARGET, "text_encoder." + TEXT_TARGET);
    }

    /** kohya / A1111 keys: lora_unet_{diffusers module, '_' for '.'}.lora_down.weight ... */
    SafeTensorsImage loraKohya() {
        return lora(m -> m + ".lora_down.weight", m -> m + ".lora_up.weight", m -> m + ".alpha",
                "lora_unet_" + external(LoraFormats.kohyaUnet(), UNET_TARGET), "lora_te_" + external(LoraFormats.kohyaTextEncoder(), TEXT_TARGET));
    }

    /** diffusers / PEFT keys: unet.{diffusers module}.lora_A.weight / lora_B.weight. */
    SafeTensorsImage loraDiffusers() {
        return lora(m -> m + ".lora_A.weight", m -> m + ".lora_B.weight", null,
                "unet." + externalModule("sd1_unet.diffusers", UNET_TARGET), "text_encoder." + externalModule("clip_text_l.transformers", TEXT_TARGET));
    }

    private SafeTensorsImage lora(Function<String, String> down, Function<String, String> up, Function<String, String> alpha, String unetModule, String textModule) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (var e : Map.of(unetModule, unetShapes.get(UNET_TARGET + ".weight"), textModule, textEncoderShapes.get(TEXT_TARGET + ".weight")).entrySet()) {
            long[] w = e.getValue();
            t.put(down.apply(e.getKey()), DetInit.tensor("down" + e.getKey(), new long[] {2, w[1]}, 7));
            t.put(up.apply(e.getKey()), DetInit.tensor("up" + e.getKey(), new long[] {w[0], 2}, 7));
            if (alpha != null) t.put(alpha.apply(e.getKey()), Tensor.ofFloats(new long[0], 2f));
        }
        return SafeTensorsImage.of(t, Map.of());
    }

    /**
     * A few small autoencoder tensors under the keys of an external layout (ModuleMap table) after {@code others};
     * their refiners keys and shapes go into {@code expected}.
     */
    SafeTensorsImage autoencoderTensors(String table, Map<String, long[]> expected, Map<String, Tensor> others) {
        Map<String, Tensor> t = new LinkedHashMap<>(others);
        for (var e : ModuleMap.load(table).modules().entrySet()) {
            if (e.getValue().op() != null || expected.size() >= 6) continue;
            for (String param : new String[] {".weight", ".bias"}) {
                long[] shape = autoencoderShapes.get(e.getValue().refinersModule() + param);
                if (shape == null || Tensor.numel(shape) > 1024) continue;
                expected.put(e.getValue().refinersModule() + param, shape);
                t.put(e.getKey() + param, DetInit.tensor(e.getKey() + param, shape, 5));
            }
        }
        return SafeTensorsImage.of(t, Map.of());
    }

    private static String external(Map<String, String> externalToRefiners, String refinersModule) {
        return externalToRefiners.entrySet().stream().filter(e -> e.getValue().equals(refinersModule)).findFirst().orElseThrow().getKey();
    }

    private static String externalModule(String table, String refinersModule) {
        return ModuleMap.load(table).modules().entrySet().stream().filter(e -> e.getValue().refinersModule().equals(refinersModule))
                .findFirst().orElseThrow().getKey();
    }
}

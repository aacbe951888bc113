package refiners.conversion;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;

/**
 * The layout of the published SD1.5 LCM-LoRA (latent-consistency/lcm-lora-sdv1-5, trained by diffusers' LCM
 * distillation script): kohya keys {@code lora_unet_{diffusers module, '.' -> '_'}.lora_down.weight / .lora_up.weight
 * / .alpha} on every UNet module whose name is, or ends with, one of {@link #TARGETS} — the attention projections, the
 * feed-forward, proj_in/proj_out, the resnets' 3x3 convolutions, shortcuts and time-embedding projections, the down- and
 * upsamplers' convolutions. A convolution's down weight has the layer's kernel, its up weight is 1x1 (PEFT's conv LoRA).
 * {@link #detinit} writes a stand-in under those exact names, so that loading and serving it is tested without the file.
 */
public final class LcmLoraLayout {
    /** The modules diffusers' LCM-LoRA distillation adapts (its lora_target_modules: PEFT matches name endings). */
    public static final List<String> TARGETS = List.of("to_q", "to_k", "to_v", "to_out.0", "proj_in", "proj_out", "ff.net.0.proj", "ff.net.2",
            "conv1", "conv2", "conv_shortcut", "downsamplers.0.conv", "upsamplers.0.conv", "time_emb_proj");
    /**
     * Rank 64 (these layers at rank 64 hold 67.3 M parameters, the size published) and alpha 8: factor 8/64, the scale
     * refiners' add_lcm_lora gives the same distillation's SDXL file.
     */
    public static final int RANK = 64;
    public static final float ALPHA = 8;

    private static final String TABLE = "sd1_unet.diffusers";

    private LcmLoraLayout() {}

    /** The SD1 UNet's diffusers modules the LCM-LoRA adapts, in the table's order. */
    public static List<String> modules() {
        return ModuleMap.load(TABLE).modules().keySet().stream()
                .filter(m -> TARGETS.stream().anyMatch(t -> m.equals(t) || m.endsWith("." + t))).toList();
    }

    /**
     * A deterministic LCM-LoRA in the published layout (float16, as published), shaped after the UNet's state dict
     * ({@code unetShapes}: refiners keys), with weights drawn by DetInit from {@code seed}.
     */
    public static Map<String, Tensor> detinit(Map<String, long[]> unetShapes, int rank, float alpha, long seed) {
        ModuleMap table = ModuleMap.load(TABLE);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String module : modules()) {
            long[] w = unetShapes.get(table.modules().get(module).refinersModule() + ".weight");
            if (w == null) throw new IllegalArgumentException(module + " has no weight in the given UNet shapes");
            long[] down = w.length == 2 ? new long[] {rank, w[1]} : new long[] {rank, w[1], w[2], w[3]};
            long[] up = w.length == 2 ? new long[] {w[0], rank} : new long[] {w[0], rank, 1, 1};
            String key = "lora_unet_" + module.replace('.', '_');
            out.put(key + ".lora_down.weight", DetInit.tensor(key + ".lora_down.weight", down, seed).to(DType.F16));
            out.put(key + ".lora_up.weight", DetInit.tensor(key + ".lora_up.weight", up, seed).to(DType.F16));
            out.put(key + ".alpha", Tensor.ofFloats(new long[0], alpha).to(DType.F16));
        }
        return out;
    }
}

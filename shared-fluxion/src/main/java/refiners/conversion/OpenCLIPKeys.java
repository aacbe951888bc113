package refiners.conversion;

import java.util.LinkedHashMap;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;

/**
 * OpenCLIP's text tower (SDXL's second text encoder in a single-file checkpoint) under module names a key table can
 * map: each fused attention projection {@code attn.in_proj_weight} (3D, D) / {@code attn.in_proj_bias} (3D) becomes
 * three row views {@code attn.in_proj_q / _k / _v .weight / .bias} (q, k, v stacked in that order, as
 * torch.nn.MultiheadAttention does), and the bare parameters {@code positional_embedding} and {@code text_projection}
 * get a {@code .weight}. Nothing is copied.
 */
final class OpenCLIPKeys {
    private static final String[] QKV = {"q", "k", "v"};

    private OpenCLIPKeys() {}

    /** The tensors with the keys under {@code prefix} (e.g. "conditioner.embedders.1.model.") renamed; the rest as they are. */
    static Map<String, Tensor> unfuse(Map<String, Tensor> tensors, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, t) -> {
            String rest = k.startsWith(prefix) ? k.substring(prefix.length()) : null;
            if (rest != null && (rest.equals("positional_embedding") || rest.equals("text_projection"))) out.put(k + ".weight", t);
            else if (rest != null && (k.endsWith(".attn.in_proj_weight") || k.endsWith(".attn.in_proj_bias")) && t.rank() >= 1 && t.dim(0) % 3 == 0) {
                String module = k.substring(0, k.lastIndexOf(".in_proj_")), param = k.endsWith("weight") ? "weight" : "bias";
                long d = t.dim(0) / 3;
                for (int i = 0; i < 3; i++) out.put(module + ".in_proj_" + QKV[i] + "." + param, Tensors.rows(t, i * d, d));
            } else out.put(k, t); // anything else (a misshaped in_proj too) is reported by the key conversion
        });
        return out;
    }
}

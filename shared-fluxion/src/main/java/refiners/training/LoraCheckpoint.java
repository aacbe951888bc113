package refiners.training;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.conversion.LoraFormats;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;

/**
 * Trained LoRAs written as files our loader (and unet-svc's LoRA directory) reads:
 * <ul>
 *   <li>refiners format: {@code unet.<refiners path>.down.weight}, {@code .up.weight} (and {@code .alpha} = scale *
 *       rank when the scale is not 1, so loaders apply the trained scale);</li>
 *   <li>kohya / A1111 format: {@code lora_unet_<diffusers module>.lora_down.weight}, {@code .lora_up.weight},
 *       {@code .alpha} = scale * rank, and {@code lora_te_...} for the text encoder.</li>
 * </ul>
 */
public final class LoraCheckpoint {
    private LoraCheckpoint() {}

    public static void writeRefiners(Path file, List<TrainableLoras> models, Map<String, String> metadata) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (TrainableLoras m : models) {
            for (TrainableLoras.Lora l : m.loras().values()) {
                tensors.put(l.down().name(), l.down().tensor());
                tensors.put(l.up().name(), l.up().tensor());
                if (m.scale() != 1) tensors.put(m.modelName() + "." + l.target() + ".alpha", alpha(m));
            }
        }
        SafeTensorsWriter.write(file, tensors, metadata);
    }

    public static void writeKohya(Path file, List<TrainableLoras> models, Map<String, String> metadata) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (TrainableLoras m : models) {
            boolean unet = m.modelName().equals("unet");
            Map<String, String> names = inverse(unet ? LoraFormats.kohyaUnet() : LoraFormats.kohyaTextEncoder());
            String prefix = unet ? "lora_unet_" : "lora_te_";
            for (TrainableLoras.Lora l : m.loras().values()) {
                String kohya = names.get(l.target());
                if (kohya == null) throw new IllegalArgumentException("no kohya name for " + m.modelName() + " layer " + l.target());
                tensors.put(prefix + kohya + ".lora_down.weight", l.down().tensor());
                tensors.put(prefix + kohya + ".lora_up.weight", l.up().tensor());
                tensors.put(prefix + kohya + ".alpha", alpha(m));
            }
        }
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        if (!models.isEmpty()) {
            meta.put("ss_network_dim", Integer.toString(models.get(0).rank()));
            meta.put("ss_network_alpha", Double.toString(models.get(0).scale() * models.get(0).rank()));
        }
        SafeTensorsWriter.write(file, tensors, meta);
    }

    private static Tensor alpha(TrainableLoras m) {
        return Tensor.ofFloats(new long[0], (float) (m.scale() * m.rank()));
    }

    private static Map<String, String> inverse(Map<String, String> kohyaToRefiners) {
        Map<String, String> out = new LinkedHashMap<>();
        kohyaToRefiners.forEach((k, r) -> out.putIfAbsent(r, k));
        return out;
    }
}

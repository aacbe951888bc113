package refiners.conversion;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.LoraWeights;

/**
 * A parsed LoRA file: per model (UNet, text encoder), the refiners module each LoRA targets with its down/up weights
 * and alpha. The factor applied to a layer is scale x alpha / rank (alpha absent: scale), as kohya, diffusers and
 * A1111 do.
 */
public record LoraFile(String name, String format, Map<String, Layer> unet, Map<String, Layer> textEncoder, long sizeBytes) {
    /** One target layer's LoRA. */
    public record Layer(Tensor down, Tensor up, Double alpha) {
        public int rank() {
            return (int) down.dim(0);
        }

        public double factor(double scale) {
            return alpha == null ? scale : scale * alpha / rank();
        }
    }

    public int rank() {
        for (Layer l : unet.values()) return l.rank();
        for (Layer l : textEncoder.values()) return l.rank();
        return 0;
    }

    public List<LoraWeights> unetWeights(double scale) {
        return weights(unet, scale);
    }

    public List<LoraWeights> textEncoderWeights(double scale) {
        return weights(textEncoder, scale);
    }

    private static List<LoraWeights> weights(Map<String, Layer> layers, double scale) {
        List<LoraWeights> out = new ArrayList<>();
        layers.forEach((target, l) -> out.add(new LoraWeights(target, l.down(), l.up(), l.factor(scale))));
        return out;
    }
}

package refiners.foundationals.latent_diffusion;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.Multiply;

/**
 * Encoder then Decoder. encode(image in [-1, 1]) gives scaled latents (x encoder_scale), decode(latents) divides by
 * it and decodes; both scalings are part of the compiled graphs.
 */
public class LatentDiffusionAutoencoder extends Chain {
    private final double encoderScale;
    private final Module encodeGraph;
    private final Module decodeGraph;

    public LatentDiffusionAutoencoder(double encoderScale) {
        super(new Encoder(), new Decoder());
        this.encoderScale = encoderScale;
        this.encodeGraph = new Scaled(encoder(), new Multiply(encoderScale));
        this.decodeGraph = new Scaled(new Multiply(1.0 / encoderScale), decoder());
    }

    public Encoder encoder() {
        return (Encoder) get(0);
    }

    public Decoder decoder() {
        return (Decoder) get(1);
    }

    public double encoderScale() {
        return encoderScale;
    }

    /** Scaled latents (B, 4, H/8, W/8) of images (B, 3, H, W) in [-1, 1]. */
    public Tensor encode(Tensor image) {
        return encode(image, CompileOptions.defaults());
    }

    public Tensor encode(Tensor image, CompileOptions options) {
        return encodeGraph.run(options, List.of(image)).output();
    }

    /** Images (B, 3, 8h, 8w), roughly in [-1, 1] (not clamped), of scaled latents (B, 4, h, w). */
    public Tensor decode(Tensor latents) {
        return decode(latents, CompileOptions.defaults());
    }

    public Tensor decode(Tensor latents, CompileOptions options) {
        return decodeGraph.run(options, List.of(latents)).output();
    }

    /** Compiled encode/decode graphs embed this model's layers: drop them with the model's own. */
    @Override
    public synchronized void closeCompiled() {
        super.closeCompiled();
        if (encodeGraph != null) encodeGraph.closeCompiled();
        if (decodeGraph != null) decodeGraph.closeCompiled();
    }

    /**
     * A compile-only view chaining layers of this model without adopting them (they keep their place in the
     * autoencoder), so encode and decode compile as their own graphs, with weights shared.
     */
    private static final class Scaled extends Chain {
        Scaled(Module first, Module second) {
            super(List.of(first, second), true);
        }
    }
}

package refiners.foundationals.latent_diffusion;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.Multiply;
import refiners.fluxion.runtime.Runner;

/**
 * Encoder then Decoder. encode(image in [-1, 1]) gives scaled latents (x encoder_scale), decode(latents) divides by
 * it and decodes; both scalings are part of the compiled graphs. imageToLatents / latentsToImage are refiners' image
 * helpers on (B, 3, H, W) tensors in [0, 1] (pixel / 255); turning those into 8-bit pixels (x 255, truncated) and
 * PNG coding belong to the caller (see refiners.fluxion.utils.Images).
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
        return encode(image, options, Runner.shared());
    }

    /** On an explicit runner (its RuntimeConfig decides device and threads). */
    public Tensor encode(Tensor image, CompileOptions options, Runner runner) {
        return runner.run(encodeGraph, options, List.of(image)).output();
    }

    /** Images (B, 3, 8h, 8w), roughly in [-1, 1] (not clamped), of scaled latents (B, 4, h, w). */
    public Tensor decode(Tensor latents) {
        return decode(latents, CompileOptions.defaults());
    }

    public Tensor decode(Tensor latents, CompileOptions options) {
        return decode(latents, options, Runner.shared());
    }

    /** On an explicit runner (its RuntimeConfig decides device and threads). */
    public Tensor decode(Tensor latents, CompileOptions options, Runner runner) {
        return runner.run(decodeGraph, options, List.of(latents)).output();
    }

    /** Scaled latents of images in [0, 1]: encode(2 * image - 1). */
    public Tensor imageToLatents(Tensor image) {
        return encode(Tensors.affine(image, 2, -1, false));
    }

    /** Images in [0, 1] of scaled latents: (decode(latents) + 1) / 2, clamped to [0, 1]. */
    public Tensor latentsToImage(Tensor latents) {
        return Tensors.affine(decode(latents), 0.5, 0.5, true);
    }

    /** The compile-only chain encode() runs: Encoder, then x encoder_scale (for explicit compilation and taps). */
    public Module encodeChain() {
        return encodeGraph;
    }

    /** The compile-only chain decode() runs: / encoder_scale, then Decoder. */
    public Module decodeChain() {
        return decodeGraph;
    }

    /**
     * A compile-only view chaining layers of this model without adopting them (they keep their place in the
     * autoencoder), so encode and decode compile as their own graphs, with weights shared. Its tree version covers
     * the viewed layers, so editing the autoencoder renews the view's sessions too.
     */
    private static final class Scaled extends Chain {
        Scaled(Module first, Module second) {
            super(List.of(first, second), true);
        }
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.LatentDiffusionAutoencoder;

/** The autoencoder stage in this process (SD 1.x's or SDXL's, which differ by their latents' scale), compiled with the same options as the other stages (same dtype). */
public final class LocalAutoencoder {
    private final LatentDiffusionAutoencoder model;
    private final CompileOptions options;
    private final Runner runner;

    public LocalAutoencoder(LatentDiffusionAutoencoder model, CompileOptions options, Runner runner) {
        this.model = model;
        this.options = options;
        this.runner = runner;
    }

    public LatentDiffusionAutoencoder model() {
        return model;
    }

    /** Scaled latents (1, 4, h, w) to an image (1, 3, 8h, 8w) in [-1, 1], not clamped. */
    public Tensor decode(Tensor latents) {
        return model.decode(latents, options, runner);
    }

    /** An image (1, 3, H, W) in [-1, 1] to scaled latents (1, 4, H/8, W/8). */
    public Tensor encode(Tensor image) {
        return model.encode(image, options, runner);
    }
}

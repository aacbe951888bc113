package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import refiners.fluxion.Tensor;

/** The image (1, 3, H, W) in [-1, 1], the final latents, and where the time went. */
public record GenerationResult(Tensor image, Tensor latents, long seed, Timings timings) {
    public record Timings(double textEncoderSeconds, double unetSeconds, double solverSeconds, double vaeSeconds, double totalSeconds) {}
}

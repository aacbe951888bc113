package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import refiners.fluxion.Tensor;

/** Called after each denoising step with the current latents (for progress bars and previews). */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (step, total, elapsedSeconds, latents) -> {};

    void onStep(int step, int totalSteps, double elapsedSeconds, Tensor latents);
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import refiners.fluxion.Tensor;

/**
 * The three model stages of text-to-image. {@link StableDiffusion_1} runs the same loop over an in-process
 * implementation or over the mesh's services, which is why both give the same pixels.
 */
public interface SD1Stages {
    /** CLIP embeddings of the prompts, (N, 77, 768) float32, computed in one batch, the LoRAs' text-encoder part applied. */
    Tensor encodeText(List<String> prompts, List<GenerationRequest.LoraWeight> loras);

    /** Opens the UNet for one generation: conditioning, guidance and LoRA set are fixed until closed. */
    Denoiser openDenoiser(Tensor conditional, Tensor unconditional, double guidanceScale,
                          List<GenerationRequest.LoraWeight> loras, long[] latentShape);

    /** Latents (1, 4, h, w) to an image (1, 3, 8h, 8w) in [-1, 1] (not clamped). */
    Tensor decode(Tensor latents);

    /** One generation's UNet. */
    interface Denoiser extends AutoCloseable {
        /** uncond + guidance * (cond - uncond) for the model input of step {@code stepIndex} at {@code timestep}. */
        Tensor guidedNoise(int stepIndex, double timestep, Tensor latents);

        @Override
        void close();
    }
}

package refiners.mesh.orchestrator;

import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;

/**
 * The one generation loop, shared by the mesh (over RemoteStages) and in process (over the local stages): same
 * solver, same initial noise, same stage calls, hence the same pixels.
 */
public final class GenerationLoop {
    private GenerationLoop() {}

    public static GenerationResult generate(GenerationRequest request, SD1Stages stages, ProgressListener listener) {
        return StableDiffusion_1.generate(request, stages, listener);
    }
}

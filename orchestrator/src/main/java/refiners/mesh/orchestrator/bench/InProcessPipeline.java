package refiners.mesh.orchestrator.bench;

import java.util.Optional;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.mesh.LoraNames;
import refiners.mesh.MeshModels;
import refiners.mesh.orchestrator.GenerationLoop;

/**
 * The same generation in this JVM (the reference the mesh must match bit for bit, and the bench's baseline): the same
 * loop over the in-process stages, with the weights the services load.
 */
public final class InProcessPipeline {
    private final SD1Stages stages;

    /**
     * @param weights as REFINERS_WEIGHTS (empty: full-size detinit weights)
     * @param loraDir as REFINERS_LORA_DIR (empty: no LoRAs)
     */
    public InProcessPipeline(Optional<String> weights, String device, String dtype, Optional<String> loraDir) {
        this.stages = MeshModels.stages(MeshModels.load(weights, device, dtype), LoraNames.directory(loraDir).map(LoraLibrary::new), dtype);
    }

    public GenerationResult generate(GenerationRequest request, ProgressListener listener) {
        return GenerationLoop.generate(request, stages, listener);
    }

    public SD1Stages stages() {
        return stages;
    }
}

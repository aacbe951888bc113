package refiners.bench;

import java.nio.file.Path;
import java.util.Optional;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;

/**
 * The same generation in this JVM (the reference the mesh must match bit for bit, and the benches' baseline): the same
 * loop over the in-process stages, built as the services build theirs.
 */
public final class InProcessPipeline {
    private final LocalStages stages;

    /** @param loraDir as REFINERS_LORA_DIR (empty: no LoRAs) */
    public InProcessPipeline(SD1Weights weights, Optional<String> loraDir) {
        this.stages = new LocalStages(SD1Models.load(weights), LocalStages.DEFAULT_OPTIONS,
                loraDir.filter(d -> !d.isBlank()).map(d -> new LoraLibrary(Path.of(d))).orElse(null));
    }

    public GenerationResult generate(GenerationRequest request, ProgressListener listener) {
        return StableDiffusion_1.generate(request, stages, listener);
    }

    public LocalStages stages() {
        return stages;
    }
}

package refiners.mesh.textencoder;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import refiners.fluxion.Tensor;
import refiners.foundationals.clip.Tokenization;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.mesh.BackgroundLoad;
import refiners.mesh.LoraNames;
import refiners.mesh.MeshModels;

/**
 * The model behind the service: the tokenizer and CLIPTextEncoderL, loaded on a worker thread at startup (the
 * service is not ready until then). Encoding goes through the in-process stages so that the mesh computes exactly
 * what the in-process pipeline does.
 */
@ApplicationScoped
public class TextEncoderEngine {
    @Inject
    TextEncoderConfig config;

    private final BackgroundLoad<LocalStages> stages = new BackgroundLoad<>("text encoder");

    void onStart(@Observes StartupEvent event) {
        stages.start(this::load);
    }

    private LocalStages load() {
        LocalStages local = MeshModels.stages(MeshModels.load(config.weights(), config.device(), config.dtype()),
                LoraNames.directory(config.loraDir()).map(LoraLibrary::new), config.dtype());
        local.encodeText(List.of("", "warm-up"), List.of()); // build the session before declaring readiness
        return local;
    }

    public boolean ready() {
        return stages.ready();
    }

    /** Why loading failed, or null. */
    public Throwable loadFailure() {
        return stages.failure();
    }

    /** (N, 77, 768) float32 in one model call, the LoRAs' text-encoder part applied. */
    public Tensor encode(List<String> prompts, List<LoraWeight> loras) {
        try {
            return stages.get().encodeText(prompts, loras);
        } catch (RuntimeException e) {
            throw LoraNames.asStatus(e);
        }
    }

    public Tokenization tokenization(String prompt) {
        return stages.get().models().textEncoder().tokenizer().tokenization(prompt);
    }
}

package refiners.mesh.textencoder;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import org.jboss.logging.Logger;
import refiners.fluxion.Tensor;
import refiners.foundationals.clip.CLIPTokenizer;
import refiners.foundationals.clip.Tokenization;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.mesh.LoraNames;
import refiners.mesh.MeshModels;

/**
 * The model behind the service: the tokenizer and CLIPTextEncoderL, loaded on a worker thread at startup (the
 * service is not ready until then). Encoding goes through the in-process stages so that the mesh computes exactly
 * what the in-process pipeline does.
 */
@ApplicationScoped
public class TextEncoderEngine {
    private static final Logger LOG = Logger.getLogger(TextEncoderEngine.class);

    @Inject
    TextEncoderConfig config;

    private volatile CLIPTokenizer tokenizer;
    private volatile SD1Stages stages;
    private volatile Throwable loadFailure;

    void onStart(@Observes StartupEvent event) {
        Thread loader = new Thread(this::load, "text-encoder-weights");
        loader.setDaemon(true);
        loader.start();
    }

    private void load() {
        try {
            long t0 = System.nanoTime();
            LocalStages local = MeshModels.stages(MeshModels.load(config.weights(), config.device(), config.dtype()),
                    LoraNames.directory(config.loraDir()).map(LoraLibrary::new), config.dtype());
            tokenizer = local.models().textEncoder().tokenizer();
            local.encodeText(List.of("", "warm-up"), List.of()); // build the session before declaring readiness
            stages = local;
            LOG.infof("text encoder ready in %.1f s (%s, device %s)", (System.nanoTime() - t0) / 1e9, local.models().source(), config.device());
        } catch (Throwable t) {
            loadFailure = t;
            LOG.error("cannot load the text encoder", t);
        }
    }

    public boolean ready() {
        return stages != null;
    }

    /** Why loading failed, or null. */
    public Throwable loadFailure() {
        return loadFailure;
    }

    /** (N, 77, 768) float32 in one model call, the LoRAs' text-encoder part applied. */
    public Tensor encode(List<String> prompts, List<LoraWeight> loras) {
        try {
            return stages.encodeText(prompts, loras);
        } catch (RuntimeException e) {
            throw LoraNames.asStatus(e);
        }
    }

    public Tokenization tokenization(String prompt) {
        return tokenizer.tokenization(prompt);
    }
}

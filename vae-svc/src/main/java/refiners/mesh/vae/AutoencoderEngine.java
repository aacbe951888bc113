package refiners.mesh.vae;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import refiners.fluxion.Tensor;
import refiners.fluxion.DType;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.mesh.BackgroundLoad;
import refiners.mesh.MeshModels;

/**
 * The model behind the service: SD1Autoencoder, loaded on a worker thread at startup (not ready until then). Decoding
 * goes through the in-process stages so that the mesh gives exactly the in-process pixels.
 */
@ApplicationScoped
public class AutoencoderEngine {
    @Inject
    AutoencoderConfig config;

    private final BackgroundLoad<LocalStages> stages = new BackgroundLoad<>("autoencoder");

    void onStart(@Observes StartupEvent event) {
        stages.start(this::load);
    }

    private LocalStages load() {
        LocalStages local = MeshModels.stages(MeshModels.load(config.weights(), config.device(), config.dtype()), java.util.Optional.empty(), config.dtype());
        local.decode(Tensor.zeros(DType.F32, 1, 4, 8, 8)); // build the decoder session before declaring readiness
        return local;
    }

    public boolean ready() {
        return stages.ready();
    }

    /** Why loading failed, or null. */
    public Throwable loadFailure() {
        return stages.failure();
    }

    /** Scaled latents (1, 4, h, w) to an image (1, 3, 8h, 8w) in [-1, 1], not clamped. */
    public Tensor decode(Tensor latents) {
        return stages.get().decode(latents);
    }

    /** An image (1, 3, H, W) in [-1, 1] to scaled latents (1, 4, H/8, W/8). */
    public Tensor encode(Tensor image) {
        return stages.get().encode(image);
    }
}

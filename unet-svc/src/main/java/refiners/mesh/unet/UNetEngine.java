package refiners.mesh.unet;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import org.jboss.logging.Logger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.LoraNames;
import refiners.mesh.MeshModels;

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
    @Inject
    LoraDirectory loras;

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
            LocalStages local = MeshModels.stages(MeshModels.load(config.weights(), config.device(), config.dtype()), loras.library(), config.dtype());
            warmUp(local);
            stages = local;
            LOG.infof("UNet ready in %.1f s (%s, device %s)", (System.nanoTime() - t0) / 1e9, local.models().source(), config.device());
        } catch (Throwable t) {
            loadFailure = t;
            LOG.error("cannot load the UNet", t);
        }
    }

    /** One step at the smallest size, so that the first stream does not pay the session build. */
    private static void warmUp(SD1Stages local) {
        Tensor embedding = Tensor.zeros(DType.F32, 1, 77, 768);
        long[] shape = {1, 4, 8, 8};
        try (var d = local.openDenoiser(embedding, embedding, 7.5, List.of(), shape)) {
            d.guidedNoise(0, 999, Tensor.zeros(DType.F32, shape));
        }
    }

    public boolean ready() {
        return stages != null;
    }

    public Throwable loadFailure() {
        return loadFailure;
    }

    /** A denoiser for one generation (conditioning, guidance and LoRA set fixed until it is closed). */
    public SD1Stages.Denoiser open(Tensor conditional, Tensor unconditional, double guidanceScale, List<LoraWeight> loraSet, long[] latentShape) {
        try {
            return stages.openDenoiser(conditional, unconditional, guidanceScale, loraSet, latentShape);
        } catch (RuntimeException e) {
            throw LoraNames.asStatus(e);
        }
    }
}

package refiners.mesh.unet;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.BackgroundLoad;
import refiners.mesh.LoraNames;
import refiners.mesh.MeshModels;

/**
 * The model behind the service: SD1UNet, loaded on a worker thread at startup (not ready until then). Denoisers come
 * from the in-process stages, so the guided noise is computed exactly as in process (same compiled graph, batch 2,
 * classifier-free guidance in the same place).
 */
@ApplicationScoped
public class UNetEngine {
    @Inject
    UNetConfig config;
    @Inject
    LoraDirectory loras;

    private final BackgroundLoad<LocalStages> stages = new BackgroundLoad<>("UNet");

    void onStart(@Observes StartupEvent event) {
        stages.start(this::load);
    }

    private LocalStages load() {
        LocalStages local = MeshModels.stages(MeshModels.load(config.weights(), config.device(), config.dtype()), loras.library(), config.dtype());
        warmUp(local);
        return local;
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
        return stages.ready();
    }

    /** Why loading failed, or null. */
    public Throwable loadFailure() {
        return stages.failure();
    }

    /** A denoiser for one generation (conditioning, guidance and LoRA set fixed until it is closed). */
    public SD1Stages.Denoiser open(Tensor conditional, Tensor unconditional, double guidanceScale, List<LoraWeight> loraSet, long[] latentShape) {
        try {
            return stages.get().openDenoiser(conditional, unconditional, guidanceScale, loraSet, latentShape);
        } catch (RuntimeException e) {
            throw LoraNames.asStatus(e);
        }
    }
}

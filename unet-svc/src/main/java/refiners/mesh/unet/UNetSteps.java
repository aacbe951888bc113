package refiners.mesh.unet;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import org.jboss.logging.Logger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.mesh.Batcher;
import refiners.mesh.MeshConfig;
import refiners.mesh.ModelWork;

/**
 * Denoising steps of every stream, batched: steps of generations with the same batch key (UNet, ControlNet set,
 * latent size, LoRAs on convolutions) that wait together run as one UNet call (see LocalUNet and Batcher). A batch key
 * holds its LocalUNet, so the steps of two model families (sd15, sdxl) never share a call.
 */
@ApplicationScoped
public class UNetSteps {
    private static final Logger LOG = Logger.getLogger(UNetSteps.class);
    private final Batcher<LocalUNet.Step, Tensor> batcher;

    @Inject
    public UNetSteps(UNetModel model, ModelWork work, MeshConfig config, UNetConfig unetConfig, MeterRegistry registry, UNetMetrics metrics) {
        Batcher.Settings settings = Batcher.Settings.of(config);
        if (unetConfig.dryRun()) LOG.warn("REFINERS_UNET_DRY_RUN: steps answer zero noise without running the UNet (a transport diagnostic: images are not generated)");
        batcher = new Batcher<>("unet", work, settings, registry, steps -> {
            List<Tensor> noise = unetConfig.dryRun() ? zeros(steps) : steps.get(0).generation().stage().guidedNoise(steps);
            metrics.computed(steps.stream().mapToInt(s -> s.generation().samples()).sum());
            return noise;
        });
        metrics.maxBatch(settings.maxBatch());
        batcher.onCall(metrics::called);
    }

    private static List<Tensor> zeros(List<LocalUNet.Step> steps) {
        return steps.stream().map(s -> Tensor.zeros(DType.F32, s.latents().shape())).toList();
    }

    /** The guided noise of one step, computed with whatever compatible steps are waiting; {@code stream} may come back. */
    Uni<Batcher.Batched<Tensor>> submit(Object stream, LocalUNet.Step step) {
        return batcher.submit(step.generation().batchKey(), stream, step);
    }

    /** The stream ended: no call waits for its next step. */
    void leave(Object stream) {
        batcher.leave(stream);
    }
}

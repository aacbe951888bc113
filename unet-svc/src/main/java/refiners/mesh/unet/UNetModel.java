package refiners.mesh.unet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Quantization;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLModels;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.StableDiffusion_XL;
import refiners.mesh.ServiceModel;
import refiners.mesh.StartupPhases;

/**
 * SD1UNet with batched run-time LoRA slots when a LoRA directory is configured, the inpainting UNet when its weights are
 * configured (REFINERS_INPAINTING_WEIGHTS), ControlNets from the ControlNet directory; SDXLUNet (its own LocalUNet, so
 * its steps batch only with SDXL's) when REFINERS_MODELS names sdxl. Generations compute the guided
 * noise exactly as in process (same compiled graphs, a pair of samples per generation, classifier-free guidance in the
 * same place), alone or batched with others (UNetSteps).
 */
@ApplicationScoped
public class UNetModel extends ServiceModel<LocalUNet> {
    private static final Logger LOG = Logger.getLogger(UNetModel.class.getName());

    @Inject
    UNetControlnets controlnets;
    @Inject
    UNetIpAdapters ipAdapters;
    @Inject
    UNetConfig config;

    public UNetModel() {
        super("UNet");
    }

    @Override
    protected LocalUNet load(SD1Weights weights, CompileOptions options, Runner runner, LoraLibrary loras) {
        StartupPhases phases = new StartupPhases();
        SD1UNet inpainting = config.inpaintingWeights().filter(w -> !w.isBlank()).map(SD1Weights::parse).map(w -> {
            LOG.info("inpainting UNet: weights " + w.describe());
            return SD1Models.inpaintingUnet(w);
        }).orElse(null);
        LocalUNet unet = new LocalUNet(SD1Models.unet(weights), inpainting, controlnets.library().orElse(null), ipAdapters.library().orElse(null),
                quantized(options), loras, runner);
        Tensor embedding = Tensor.zeros(DType.F32, 1, 77, 768);
        long[] latents = {1, 4, 8, 8};
        phases.end("weights mapped");
        warmUp(unet, new SD1Stages.Conditioning(embedding, embedding, 7.5, List.of(), latents)); // the first stream pays no session build
        phases.end("first step (graph, session, one run)");
        if (inpainting != null) {
            Runnable inpaintingWarmUp = () -> warmUp(unet, new SD1Stages.Conditioning(embedding, embedding, 7.5, List.of(), latents,
                    Tensor.zeros(DType.F32, 1, 1, 8, 8), Tensor.zeros(DType.F32, latents), List.of()));
            if (config.inpaintingWarmUp() == UNetConfig.WarmUp.BEFORE_READY) {
                inpaintingWarmUp.run();
                phases.end("inpainting's first step");
            } else {
                warmUpLater(inpaintingWarmUp);
            }
        }
        LOG.info("UNet start-up: " + phases.summary());
        return unet;
    }

    @Override
    protected LocalUNet loadSdxl(SDXLWeights weights, CompileOptions options, Runner runner, LoraLibrary loras) {
        LocalUNet unet = new LocalUNet(SDXLModels.unet(weights), quantized(options), loras, runner);
        Tensor embedding = Tensor.zeros(DType.F32, 1, 77, 2048), pooled = Tensor.zeros(DType.F32, 1, 1280);
        warmUp(unet, new SD1Stages.Conditioning(embedding, embedding, 5.0, List.of(), new long[] {1, 4, 8, 8}, null, null, List.of(), null, null,
                new SD1Stages.TextTimeConditions(pooled, pooled, StableDiffusion_XL.timeIds(64, 64))));
        return unet;
    }

    /** {@code options} with the configured quantization, which is opt-in and said so in the log. */
    private CompileOptions quantized(CompileOptions options) {
        CompileOptions q = config.quantized(options);
        if (q.quantization() != Quantization.NONE) LOG.warning("UNet quantization " + q.quantization() + ": opt-in, not yet validated on real weights");
        return q;
    }

    /** Runs the inpainting UNet's {@code warmUp} on a thread of its own (the service reports ready meanwhile), logging what it cost. */
    private static void warmUpLater(Runnable warmUp) {
        Thread t = new Thread(() -> {
            StartupPhases phases = new StartupPhases();
            try {
                warmUp.run();
                phases.end("inpainting's first step");
                LOG.info("UNet start-up, after ready: " + phases.summary());
            } catch (RuntimeException e) {
                // the requests that need it will say why
                LOG.log(Level.WARNING, "the inpainting UNet's warm-up failed", e);
            }
        }, "unet-inpainting-warm-up");
        t.setDaemon(true);
        t.start();
    }

    private static void warmUp(LocalUNet unet, SD1Stages.Conditioning conditioning) {
        try (SD1Stages.Denoiser d = unet.open(conditioning)) {
            d.guidedNoise(0, 999, Tensor.zeros(DType.F32, conditioning.latentShape()));
        }
    }
}

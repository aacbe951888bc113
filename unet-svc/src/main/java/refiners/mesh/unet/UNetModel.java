package refiners.mesh.unet;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.mesh.ServiceModel;

/**
 * SD1UNet with run-time LoRA slots when a LoRA directory is configured. Denoisers compute the guided noise exactly as
 * in process (same compiled graph, batch 2, classifier-free guidance in the same place).
 */
@ApplicationScoped
public class UNetModel extends ServiceModel<LocalUNet> {
    public UNetModel() {
        super("UNet");
    }

    @Override
    protected LocalUNet load(SD1Weights weights, CompileOptions options, Runner runner, LoraLibrary loras) {
        LocalUNet unet = new LocalUNet(SD1Models.unet(weights), options, loras, runner);
        Tensor embedding = Tensor.zeros(DType.F32, 1, 77, 768);
        try (SD1Stages.Denoiser d = unet.open(embedding, embedding, 7.5, List.of())) { // the first stream pays no session build
            d.guidedNoise(0, 999, Tensor.zeros(DType.F32, 1, 4, 8, 8));
        }
        return unet;
    }
}

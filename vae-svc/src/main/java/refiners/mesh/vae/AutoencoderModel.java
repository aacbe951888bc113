package refiners.mesh.vae;

import jakarta.enterprise.context.ApplicationScoped;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalAutoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLModels;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;
import refiners.mesh.ServiceModel;

/** SD1Autoencoder (and SDXLAutoencoder when REFINERS_MODELS names sdxl), decoding and encoding exactly as in process. */
@ApplicationScoped
public class AutoencoderModel extends ServiceModel<LocalAutoencoder> {
    public AutoencoderModel() {
        super("autoencoder");
    }

    @Override
    protected LocalAutoencoder load(SD1Weights weights, CompileOptions options, Runner runner, LoraLibrary loras) {
        LocalAutoencoder lda = new LocalAutoencoder(SD1Models.autoencoder(weights), options, runner);
        lda.decode(Tensor.zeros(DType.F32, 1, 4, 8, 8)); // the decoder's session is built before readiness
        return lda;
    }

    @Override
    protected LocalAutoencoder loadSdxl(SDXLWeights weights, CompileOptions options, Runner runner, LoraLibrary loras) {
        LocalAutoencoder lda = new LocalAutoencoder(SDXLModels.autoencoder(weights), options, runner);
        lda.decode(Tensor.zeros(DType.F32, 1, 4, 8, 8));
        return lda;
    }
}

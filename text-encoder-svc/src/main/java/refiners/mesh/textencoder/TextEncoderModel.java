package refiners.mesh.textencoder;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.mesh.ServiceModel;

/** The tokenizer and CLIPTextEncoderL (with LoRA slots when a LoRA directory is configured), as in process. */
@ApplicationScoped
public class TextEncoderModel extends ServiceModel<LocalTextEncoder> {
    public TextEncoderModel() {
        super("text encoder");
    }

    @Override
    protected LocalTextEncoder load(SD1Weights weights, CompileOptions options, Runner runner, LoraLibrary loras) {
        LocalTextEncoder encoder = new LocalTextEncoder(SD1Models.textEncoder(weights), options, loras, runner);
        encoder.encode(List.of("", "warm-up"), List.of());
        return encoder;
    }
}

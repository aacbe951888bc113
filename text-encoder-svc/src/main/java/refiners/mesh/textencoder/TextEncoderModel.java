package refiners.mesh.textencoder;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import org.jboss.logging.Logger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalImageEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLModels;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;
import refiners.mesh.ServiceModel;

/**
 * The tokenizer and CLIPTextEncoderL (with LoRA slots when a LoRA directory is configured), and CLIPImageEncoderH when
 * its weights are configured (REFINERS_IMAGE_ENCODER_WEIGHTS), as in process.
 */
@ApplicationScoped
public class TextEncoderModel extends ServiceModel<TextEncoderModel.Encoders> {
    private static final Logger LOG = Logger.getLogger(TextEncoderModel.class);

    /** The text encoder, and the image encoder or null. */
    public record Encoders(LocalTextEncoder text, LocalImageEncoder image) {}

    @Inject
    TextEncoderConfig config;

    public TextEncoderModel() {
        super("text encoder");
    }

    @Override
    protected Encoders load(SD1Weights weights, CompileOptions options, Runner runner, LoraLibrary loras) {
        LocalTextEncoder encoder = new LocalTextEncoder(SD1Models.textEncoder(weights), options, loras, runner);
        encoder.encode(List.of("", "warm-up"), List.of());
        LocalImageEncoder image = config.imageEncoderWeights().filter(w -> !w.isBlank()).map(w -> {
            LOG.infof("image encoder: CLIPImageEncoderH, weights %s", w.equals("detinit") ? "detinit (not a trained model)" : "configured");
            LocalImageEncoder e = new LocalImageEncoder(LocalImageEncoder.load(w), options, runner);
            e.encode(List.of(Tensor.zeros(DType.U8, 224, 224, 3))); // the first request pays no session build
            return e;
        }).orElse(null);
        return new Encoders(encoder, image);
    }

    @Override
    protected Encoders loadSdxl(SDXLWeights weights, CompileOptions options, Runner runner, LoraLibrary loras) {
        LocalTextEncoder encoder = SDXLModels.textEncoderStage(SDXLModels.textEncoder(weights), options, loras, runner);
        encoder.encodeAll(List.of("", "warm-up"), List.of());
        return new Encoders(encoder, null); // image prompts are SD 1.x's
    }
}

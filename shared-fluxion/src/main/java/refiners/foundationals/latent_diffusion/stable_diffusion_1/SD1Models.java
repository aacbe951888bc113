package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Logger;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Module;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.foundationals.clip.CLIPTextEncoderL;

/**
 * The three Stable Diffusion 1.x models with their weights bound. Weights come from a location (see
 * {@link #load(Path)}) or, when none is given, from detinit v1 (the oracle's seeds: text encoder 3, UNet 4,
 * autoencoder 5): full-size models with meaningless weights, for tests, benchmarks and demos. Weights are mapped from
 * files, never copied.
 */
public record SD1Models(CLIPTextEncoderL textEncoder, SD1UNet unet, SD1Autoencoder autoencoder, String source) {
    private static final Logger LOG = Logger.getLogger(SD1Models.class.getName());

    public static final long DETINIT_SEED_TEXT_ENCODER = 3;
    public static final long DETINIT_SEED_UNET = 4;
    public static final long DETINIT_SEED_AUTOENCODER = 5;

    /** File names of a converted (refiners-format) model folder. */
    public static final String TEXT_ENCODER_FILE = "text_encoder.safetensors";
    public static final String UNET_FILE = "unet.safetensors";
    public static final String AUTOENCODER_FILE = "autoencoder.safetensors";

    /** Full-size models with detinit weights (cached as mapped files under the refiners cache directory). */
    public static SD1Models detinit() {
        LOG.warning("NO MODEL WEIGHTS GIVEN: using full-size detinit v1 weights (deterministic noise, not a trained model). "
                + "Images will look like noise. Point REFINERS_WEIGHTS at a converted SD1.5 folder, a diffusers folder or a .safetensors checkpoint.");
        return build(m -> DetInit.cachedStateDict(m.className(), m.stateDictShapes(), seed(m)), "detinit v1 (no weights given)");
    }

    private static long seed(Module m) {
        if (m instanceof CLIPTextEncoderL) return DETINIT_SEED_TEXT_ENCODER;
        if (m instanceof SD1UNet) return DETINIT_SEED_UNET;
        return DETINIT_SEED_AUTOENCODER;
    }

    /**
     * Models from a weights location: a folder of refiners-format files ({@value #TEXT_ENCODER_FILE},
     * {@value #UNET_FILE}, {@value #AUTOENCODER_FILE}, e.g. written by the convert command); null or blank means
     * detinit weights.
     */
    public static SD1Models load(Path location) {
        if (location == null || location.toString().isBlank()) return detinit();
        if (Files.isDirectory(location) && Files.exists(location.resolve(UNET_FILE))) {
            return build(m -> mapped(location.resolve(m instanceof CLIPTextEncoderL ? TEXT_ENCODER_FILE : m instanceof SD1UNet ? UNET_FILE : AUTOENCODER_FILE)),
                    "refiners-format weights in " + location);
        }
        return WeightsLoader.load(location);
    }

    static Map<String, Tensor> mapped(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            return st.all();
        }
    }

    static SD1Models build(Function<Module, Map<String, Tensor>> weights, String source) {
        CLIPTextEncoderL clip = new CLIPTextEncoderL();
        SD1UNet unet = new SD1UNet(4);
        SD1Autoencoder lda = new SD1Autoencoder();
        clip.loadStateDict(weights.apply(clip));
        unet.loadStateDict(weights.apply(unet));
        lda.loadStateDict(weights.apply(lda));
        return new SD1Models(clip, unet, lda, source);
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Logger;
import refiners.conversion.ConversionException;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensors;

/**
 * Where SDXL weights come from: a refiners-format folder (text_encoder.safetensors holding the DoubleTextEncoder,
 * unet.safetensors, autoencoder.safetensors) or {@value #DETINIT}: full-size detinit v1 stand-ins, cached and mapped
 * like real files (the oracle's seeds: text encoders 30, UNet 31; the autoencoder 32). Each model is read on its own.
 */
public record SDXLWeights(Path location) {
    private static final Logger LOG = Logger.getLogger(SDXLWeights.class.getName());

    public static final String DETINIT = "detinit";
    public static final String CHOICES = "a refiners-format SDXL folder (text_encoder, unet and autoencoder .safetensors) or '" + DETINIT
            + "' for full-size deterministic stand-in weights (images are noise)";

    /** The three models: their file in a refiners folder and their detinit seed. */
    public enum Component {
        TEXT_ENCODER("text_encoder.safetensors", 30), UNET("unet.safetensors", 31), AUTOENCODER("autoencoder.safetensors", 32);

        final String refinersFile;
        final long detinitSeed;

        Component(String refinersFile, long detinitSeed) {
            this.refinersFile = refinersFile;
            this.detinitSeed = detinitSeed;
        }
    }

    public static SDXLWeights parse(String setting) {
        if (setting == null || setting.isBlank()) throw new IllegalArgumentException("no SDXL weights given: " + CHOICES);
        return setting.trim().equals(DETINIT) ? new SDXLWeights(null) : new SDXLWeights(Path.of(setting.trim()));
    }

    public boolean isDetinit() {
        return location == null;
    }

    public String describe() {
        return isDetinit() ? "SDXL detinit v1 (stand-in weights, not a trained model)" : "SDXL refiners folder " + location;
    }

    /** One model's tensors under its refiners keys, mapped, not copied. */
    public Map<String, Tensor> stateDict(Component part, String modelName, Map<String, long[]> expected) {
        if (isDetinit()) {
            LOG.warning("NO MODEL WEIGHTS: SDXL's " + part.name().toLowerCase() + " uses full-size detinit v1 weights (images will look like noise)");
            return DetInit.cachedStateDict(modelName, expected, part.detinitSeed);
        }
        Path file = location.resolve(part.refinersFile);
        if (!Files.exists(file)) throw new ConversionException(part.refinersFile + " is missing from the SDXL refiners-format folder");
        try (SafeTensors st = SafeTensors.open(file)) {
            return st.all();
        }
    }
}

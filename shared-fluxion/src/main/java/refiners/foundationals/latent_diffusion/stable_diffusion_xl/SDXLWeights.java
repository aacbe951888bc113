package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Logger;
import refiners.conversion.Checkpoints;
import refiners.conversion.ConversionException;
import refiners.conversion.KeyConversion;
import refiners.conversion.ModuleMap;
import refiners.conversion.SDXLComponent;
import refiners.conversion.SDXLConversion;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;

/**
 * Where Stable Diffusion XL weights come from: a location (a refiners folder, a diffusers folder with text_encoder/,
 * text_encoder_2/, unet/, vae/, or a single-file SGM checkpoint such as sd_xl_base_1.0.safetensors) or, as an explicit
 * choice, {@value #DETINIT}: full-size detinit v1 stand-ins (cached files, mapped like real ones). Each model is read
 * on its own, so a process serving one model maps only that model's tensors.
 */
public record SDXLWeights(Path location) {
    private static final Logger LOG = Logger.getLogger(SDXLWeights.class.getName());
    private static final java.util.Set<SDXLComponent> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public static final String DETINIT = Checkpoints.DETINIT;

    /** What a weights setting may name, for the messages of whoever reads the setting. */
    public static final String CHOICES = "an SDXL diffusers folder, a single-file SDXL .safetensors checkpoint or a folder written by the "
            + "convert command, or '" + DETINIT + "' for full-size deterministic stand-in weights (images are noise)";

    public static SDXLWeights detinit() {
        return new SDXLWeights(null);
    }

    /** From a setting: a path, or "detinit"; an empty setting is an error saying how to choose. */
    public static SDXLWeights parse(String setting) {
        return new SDXLWeights(Checkpoints.location(setting, CHOICES));
    }

    public boolean isDetinit() {
        return location == null;
    }

    /** What these weights are, for logs, health details and metric labels. */
    public String describe() {
        return isDetinit() ? "SDXL detinit v1 (stand-in weights, not a trained model)" : "SDXL " + Checkpoints.detect(location) + " " + location;
    }

    /** One model's tensors under its refiners keys ({@code expected}: the model's state-dict shapes), mapped, not copied. */
    public Map<String, Tensor> stateDict(SDXLComponent part, String modelName, Map<String, long[]> expected) {
        if (isDetinit()) {
            if (WARNED.add(part)) LOG.warning("NO MODEL WEIGHTS: the SDXL " + part.label + " uses full-size detinit v1 weights (deterministic noise, "
                    + "not a trained model). To serve a real model, give its weights: " + CHOICES.substring(0, CHOICES.indexOf(", or '")) + ".");
            return DetInit.cachedStateDict(modelName, expected, part.detinitSeed);
        }
        KeyConversion.Result r = switch (Checkpoints.detect(location)) {
            case REFINERS_FOLDER -> refinersFile(location.resolve(part.refinersFile), expected);
            case DIFFUSERS_FOLDER -> SDXLConversion.diffusersFolder(location, part, expected);
            case COMPVIS_FILE -> SDXLConversion.singleFile(location, part, expected);
        };
        LOG.info(r.report("SDXL " + part.label));
        return r.tensors();
    }

    /** A refiners-format file, checked key by key (an SD 1.x folder's files say so here rather than at binding). */
    private static KeyConversion.Result refinersFile(Path file, Map<String, long[]> expected) {
        try {
            return KeyConversion.convert(file.toString(), Checkpoints.refinersFile(file), ModuleMap.identity("SDXL refiners keys", expected.keySet()), expected, k -> false);
        } catch (ConversionException e) {
            throw new ConversionException("not SDXL weights? " + e.getMessage());
        }
    }
}

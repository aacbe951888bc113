package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Logger;
import refiners.conversion.Checkpoints;
import refiners.conversion.SD1Component;
import refiners.conversion.SD1Conversion;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;

/**
 * Where Stable Diffusion 1.x weights come from: a location (a refiners folder, a diffusers folder or a single-file
 * CompVis checkpoint) or, as an explicit choice, {@value #DETINIT}: full-size detinit v1 weights (deterministic noise,
 * for tests, benchmarks and demos; cached as files under the refiners cache so they are mapped like real ones). Each
 * model is read on its own, so a process serving one model maps only that model's tensors.
 */
public record SD1Weights(Path location) {
    private static final Logger LOG = Logger.getLogger(SD1Weights.class.getName());
    /** Models this process was told about (once each: a service loads one, tests load many). */
    private static final java.util.Set<SD1Component> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The setting that selects detinit weights. */
    public static final String DETINIT = Checkpoints.DETINIT;

    /** What a weights setting may name, for the messages of whoever reads the setting. */
    public static final String CHOICES = "a diffusers folder, a single-file SD 1.x .safetensors checkpoint or a folder written by the "
            + "convert command, or '" + DETINIT + "' for full-size deterministic stand-in weights (images are noise)";

    public static SD1Weights detinit() {
        return new SD1Weights(null);
    }

    /** From a setting: a path, or "detinit"; an empty setting is an error saying how to choose. */
    public static SD1Weights parse(String setting) {
        return new SD1Weights(Checkpoints.location(setting, CHOICES));
    }

    public boolean isDetinit() {
        return location == null;
    }

    /** What these weights are, for logs, health details and metric labels. */
    public String describe() {
        return isDetinit() ? "detinit v1 (stand-in weights, not a trained model)" : Checkpoints.detect(location) + " " + location;
    }

    /** One model's tensors under its refiners keys ({@code expected}: the model's state-dict shapes), mapped, not copied. */
    public Map<String, Tensor> stateDict(SD1Component part, String modelName, Map<String, long[]> expected) {
        if (isDetinit()) {
            if (WARNED.add(part)) LOG.warning("NO MODEL WEIGHTS: the " + part.label + " uses full-size detinit v1 weights (deterministic noise, not a trained "
                    + "model); images will look like noise. To serve a real model, give its weights: " + CHOICES.substring(0, CHOICES.indexOf(", or '")) + ".");
            return DetInit.cachedStateDict(modelName, expected, part.detinitSeed);
        }
        return switch (Checkpoints.detect(location)) {
            case REFINERS_FOLDER -> Checkpoints.refinersFile(location.resolve(part.refinersFile));
            case DIFFUSERS_FOLDER -> report(SD1Conversion.diffusersFolder(location, part, expected), part);
            case COMPVIS_FILE -> report(SD1Conversion.compvisFile(location, part, expected), part);
        };
    }

    private static Map<String, Tensor> report(refiners.conversion.KeyConversion.Result r, SD1Component part) {
        LOG.info(r.report(part.label));
        return r.tensors();
    }
}

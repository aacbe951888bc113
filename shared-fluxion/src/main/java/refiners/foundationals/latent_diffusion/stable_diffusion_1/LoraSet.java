package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import refiners.conversion.WeightsDirectory;
import refiners.fluxion.InvalidRequestException;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;

/**
 * The rules of a request's LoRA set, one for every door it comes in by (a generation, the text encoder, the UNet):
 * each name a plain file name ({@link WeightsDirectory}'s rule), each scale finite within -10..10, no name twice.
 * A broken rule is an InvalidRequestException naming loras[i].name or loras[i].scale.
 */
public final class LoraSet {
    /** The scale of a LoRA that names none: as trained. */
    public static final double DEFAULT_SCALE = 1.0;
    public static final double MAX_SCALE = 10;

    private LoraSet() {}

    public static List<LoraWeight> check(List<LoraWeight> loras) {
        for (int i = 0; i < loras.size(); i++) {
            LoraWeight l = loras.get(i);
            String field = "loras[" + i + "]";
            WeightsDirectory.checkName(l.name(), field + ".name", "LoRA");
            if (!Double.isFinite(l.scale()) || Math.abs(l.scale()) > MAX_SCALE)
                throw new InvalidRequestException(field + ".scale", "must be finite and within -" + (int) MAX_SCALE + ".." + (int) MAX_SCALE + ", got " + l.scale());
            for (int j = 0; j < i; j++)
                if (loras.get(j).name().equals(l.name())) throw new InvalidRequestException(field + ".name", "'" + l.name() + "' is listed twice");
        }
        return loras;
    }
}

package refiners.mesh;

import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Logger;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;

/**
 * The models every process of the mesh (and the in-process reference) loads the same way: SD1Models from the
 * weights location, or full-size detinit weights when none is given (SD1Models says so loudly); the device goes to
 * the ONNX Runtime configuration before any session exists.
 */
public final class MeshModels {
    private static final Logger LOG = Logger.getLogger(MeshModels.class.getName());

    private MeshModels() {}

    /**
     * The in-process stages over the models, with run-time LoRA slots when a LoRA library is configured: every process
     * builds them the same way (same graphs), which keeps the mesh bit-identical to the in-process pipeline.
     */
    public static LocalStages stages(SD1Models models, Optional<LoraLibrary> loras) {
        return loras.map(l -> new LocalStages(models, LocalStages.DEFAULT_OPTIONS, l)).orElseGet(() -> new LocalStages(models));
    }

    public static SD1Models load(Optional<String> weights, String device, String dtype) {
        if (System.getProperty("refiners.device") == null) System.setProperty("refiners.device", device);
        if (!dtype.equalsIgnoreCase("float32"))
            LOG.warning("dtype " + dtype + " requested, but SD1Models loads float32 weights only for now: running in float32");
        return SD1Models.load(weights.filter(w -> !w.isBlank()).map(Path::of).orElse(null));
    }
}

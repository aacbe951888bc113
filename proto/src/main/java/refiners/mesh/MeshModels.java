package refiners.mesh;

import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Logger;
import refiners.fluxion.DType;
import refiners.fluxion.compile.CompileOptions;
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
    public static LocalStages stages(SD1Models models, Optional<LoraLibrary> loras, String dtype) {
        CompileOptions options = LocalStages.DEFAULT_OPTIONS.withDtype(dtype(dtype));
        return new LocalStages(models, options, loras.orElse(null));
    }

    /**
     * float32, or float16: half the weight memory; float16 arithmetic on CUDA, while ONNX Runtime's CPU kernels
     * compute in float32 from the float16 weights.
     */
    static DType dtype(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "float32", "f32", "fp32" -> DType.F32;
            case "float16", "f16", "fp16" -> DType.F16;
            default -> throw new IllegalArgumentException("refiners.dtype must be float32 or float16, not " + name);
        };
    }

    public static SD1Models load(Optional<String> weights, String device, String dtype) {
        if (System.getProperty("refiners.device") == null) System.setProperty("refiners.device", device);
        SD1Models models = SD1Models.load(weights.filter(w -> !w.isBlank()).map(Path::of).orElse(null));
        LOG.info("weights: " + models.source() + "; compute dtype " + dtype(dtype) + " on " + device);
        return models;
    }
}

package refiners.mesh.unet;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Locale;
import java.util.Optional;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Quantization;

/** What only the UNet service configures (the rest: refiners.mesh.MeshConfig and ModelConfig). */
@ConfigMapping(prefix = "refiners.unet")
public interface UNetConfig {
    /**
     * The inpainting checkpoint whose 9-channel UNet serves requests with a mask: a diffusers folder, a single-file
     * CompVis checkpoint (sd-v1-5-inpainting), a refiners folder, or "detinit"; empty: inpainting is refused.
     */
    Optional<String> inpaintingWeights();

    /** When the inpainting UNet's session is built and run once: see {@link WarmUp}. */
    @WithDefault("after-ready")
    WarmUp inpaintingWarmUp();

    /** When a model that the default request does not use is warmed up. */
    enum WarmUp {
        /** Before the service reports ready: its first request is as fast as later ones. */
        BEFORE_READY,
        /**
         * On a thread of its own as soon as the default model is warmed up, so readiness does not wait for it; a
         * request that needs it meanwhile waits for that same session build.
         */
        AFTER_READY
    }

    /** Where ControlNet files (NAME.safetensors, refiners or diffusers format) live; empty: no ControlNets. */
    Optional<String> controlnetDir();

    /** Where SD1.5 IP-Adapter files (NAME.safetensors, refiners or published layout, plain or Plus) live; empty: no image prompts. */
    Optional<String> ipAdapterDir();

    /**
     * Answers every step with zero noise without running the UNet: what remains of a step's time is the mesh's own
     * (transport, hand-offs), measured with ONNX Runtime idle. A diagnostic (bench-throughput --unet dry), never for users.
     */
    @WithDefault("false")
    boolean dryRun();

    /**
     * none, or int8: the opt-in int8 UNet (CPU, float32; not yet validated on real weights), its weights mapped from
     * unet.int8.safetensors beside the UNet's when `convert --quantize int8` wrote it, else quantized at start.
     */
    @WithDefault("none")
    String quantization();

    /** {@code options} with this service's quantization; a bad value, or int8 where it cannot run, names the setting. */
    default CompileOptions quantized(CompileOptions options) {
        Quantization q = switch (quantization().toLowerCase(Locale.ROOT)) {
            case "none" -> Quantization.NONE;
            case "int8" -> Quantization.INT8;
            default -> throw new IllegalArgumentException("refiners.unet.quantization (REFINERS_UNET_QUANTIZATION) must be none or int8, not " + quantization());
        };
        try {
            return options.withQuantization(q);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("refiners.unet.quantization (REFINERS_UNET_QUANTIZATION) int8 needs REFINERS_DTYPE float32: " + e.getMessage(), e);
        }
    }
}

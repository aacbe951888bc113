package refiners.mesh.unet;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

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
}

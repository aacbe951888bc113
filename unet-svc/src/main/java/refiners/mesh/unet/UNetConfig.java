package refiners.mesh.unet;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** application.properties / environment (REFINERS_*) of the UNet service. */
@ConfigMapping(prefix = "refiners")
public interface UNetConfig {
    /** A real SD1.5 folder or file; empty: full-size detinit weights (noise images, for tests and benchmarks). */
    Optional<String> weights();

    /** cpu or cuda. */
    @WithDefault("cpu")
    String device();

    /** float32 or float16. */
    @WithDefault("float32")
    String dtype();

    /** Where LoRA files (NAME.safetensors) live; LoRA names never leave it. Empty: no LoRAs. */
    Optional<String> loraDir();

    /** Largest image (width x height in pixels) whose latents a stream may carry. */
    @WithDefault("1048576")
    long maxPixels();

    Workers workers();

    interface Workers {
        /** UNet steps computed at once (each step is one batch-2 model call). */
        @WithDefault("1")
        int maxConcurrent();

        @WithDefault("16")
        int queueLimit();
    }
}

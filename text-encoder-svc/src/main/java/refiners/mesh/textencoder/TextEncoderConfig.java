package refiners.mesh.textencoder;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** application.properties / environment (REFINERS_*) of the text encoder service. */
@ConfigMapping(prefix = "refiners")
public interface TextEncoderConfig {
    /** A real SD1.5 folder or file; empty: full-size detinit weights (noise images, for tests and benchmarks). */
    Optional<String> weights();

    /** cpu or cuda. */
    @WithDefault("cpu")
    String device();

    /** float32 or float16. */
    @WithDefault("float32")
    String dtype();

    /** Where LoRA files (NAME.safetensors) live, the UNet service's directory; empty: no LoRAs. */
    Optional<String> loraDir();

    /** Most prompts one Encode call may carry. */
    @WithDefault("16")
    int maxPrompts();

    Workers workers();

    interface Workers {
        @WithDefault("1")
        int maxConcurrent();

        @WithDefault("16")
        int queueLimit();
    }
}

package refiners.mesh.vae;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** application.properties / environment (REFINERS_*) of the autoencoder service. */
@ConfigMapping(prefix = "refiners")
public interface AutoencoderConfig {
    /** A real SD1.5 folder or file; empty: full-size detinit weights (noise images, for tests and benchmarks). */
    Optional<String> weights();

    /** cpu or cuda. */
    @WithDefault("cpu")
    String device();

    /** float32 or float16. */
    @WithDefault("float32")
    String dtype();

    /** Largest image (width x height in pixels) decoded or encoded. */
    @WithDefault("1048576")
    long maxPixels();

    Workers workers();

    interface Workers {
        @WithDefault("1")
        int maxConcurrent();

        @WithDefault("16")
        int queueLimit();
    }
}

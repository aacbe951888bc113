package refiners.mesh.orchestrator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** application.properties / environment (REFINERS_*) of the orchestrator; stage addresses are quarkus.grpc.clients.*. */
@ConfigMapping(prefix = "refiners")
public interface OrchestratorConfig {
    /** Largest image (width x height in pixels) a request may ask for. */
    @WithDefault("1048576")
    long maxPixels();

    /** Longest wait for one stage call (an encode, a step, a decode), within the caller's own deadline. */
    @WithDefault("120s")
    Duration stageTimeout();

    /** Longest generation when the caller sets no deadline (REST, or gRPC without one). */
    @WithDefault("30m")
    Duration generationTimeout();

    Workers workers();

    interface Workers {
        /** Generations run at once; the rest wait in the queue. */
        @WithDefault("2")
        int maxConcurrent();

        @WithDefault("16")
        int queueLimit();
    }
}

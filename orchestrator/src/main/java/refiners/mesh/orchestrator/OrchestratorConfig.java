package refiners.mesh.orchestrator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * What only the orchestrator configures (the pixel budget and the workers: refiners.mesh.MeshConfig and ModelWork;
 * stage addresses: quarkus.grpc.clients.*).
 */
@ConfigMapping(prefix = "refiners.orchestrator")
public interface OrchestratorConfig {
    /** Longest wait for one stage call (an encode, a step, a decode), within the caller's own deadline. */
    @WithDefault("120s")
    Duration stageTimeout();

    /** Longest generation when the caller sets no deadline (REST, or gRPC without one). */
    @WithDefault("30m")
    Duration generationTimeout();
}

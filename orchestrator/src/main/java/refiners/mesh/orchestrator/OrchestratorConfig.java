package refiners.mesh.orchestrator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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

    /** API keys accepted on Generate and /v1/images (none, and no key file: open); see security.ApiKeys. */
    Optional<List<String>> apiKeys();

    /** A file of API keys, one per line (a mounted Secret). */
    Optional<String> apiKeysFile();

    /** HTTP paths open without a key (health, metrics). */
    @WithDefault("/q/health,/q/metrics")
    List<String> apiKeysOpenPaths();
}

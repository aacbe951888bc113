package refiners.mesh.orchestrator;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import refiners.mesh.BoundedWorkers;

/** The bounded pool generations run on (each holds a worker while it waits on the stages), with its gauges. */
@ApplicationScoped
public class OrchestratorWorkers {
    public static final String SERVICE = "orchestrator";

    @Produces
    @Singleton
    BoundedWorkers workers(OrchestratorConfig config, MeterRegistry registry) {
        return BoundedWorkers.metered(SERVICE, config.workers().maxConcurrent(), config.workers().queueLimit(), registry, "generations");
    }

    void close(@Disposes BoundedWorkers workers) {
        workers.close();
    }
}

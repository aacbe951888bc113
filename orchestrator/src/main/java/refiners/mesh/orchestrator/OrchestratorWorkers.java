package refiners.mesh.orchestrator;

import io.micrometer.core.instrument.Gauge;
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
        BoundedWorkers workers = new BoundedWorkers(SERVICE, config.workers().maxConcurrent(), config.workers().queueLimit());
        Gauge.builder("refiners.queue.depth", workers, BoundedWorkers::queueDepth).tag("service", SERVICE)
                .description("generations waiting for a worker").register(registry);
        Gauge.builder("refiners.work.running", workers, BoundedWorkers::running).tag("service", SERVICE)
                .description("generations running").register(registry);
        return workers;
    }

    void close(@Disposes BoundedWorkers workers) {
        workers.close();
    }
}

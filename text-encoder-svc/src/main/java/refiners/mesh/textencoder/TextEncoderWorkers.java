package refiners.mesh.textencoder;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import refiners.mesh.BoundedWorkers;

/** The bounded pool the model runs on, with its queue depth and running count on /q/metrics. */
@ApplicationScoped
public class TextEncoderWorkers {
    public static final String SERVICE = "text-encoder-svc";

    @Produces
    @Singleton
    BoundedWorkers workers(TextEncoderConfig config, MeterRegistry registry) {
        BoundedWorkers workers = new BoundedWorkers(SERVICE, config.workers().maxConcurrent(), config.workers().queueLimit());
        Gauge.builder("refiners.queue.depth", workers, BoundedWorkers::queueDepth).tag("service", SERVICE)
                .description("requests waiting for a model worker").register(registry);
        Gauge.builder("refiners.work.running", workers, BoundedWorkers::running).tag("service", SERVICE)
                .description("model calls running").register(registry);
        return workers;
    }

    void close(@Disposes BoundedWorkers workers) {
        workers.close();
    }
}

package refiners.mesh.vae;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import refiners.mesh.BoundedWorkers;

/** The bounded pool the model runs on, with its queue depth and running count on /q/metrics. */
@ApplicationScoped
public class AutoencoderWorkers {
    public static final String SERVICE = "vae-svc";

    @Produces
    @Singleton
    BoundedWorkers workers(AutoencoderConfig config, MeterRegistry registry) {
        return BoundedWorkers.metered(SERVICE, config.workers().maxConcurrent(), config.workers().queueLimit(), registry, "requests");
    }

    void close(@Disposes BoundedWorkers workers) {
        workers.close();
    }
}

package refiners.mesh;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the service's model is loaded and until it drains; the details name the weights (and the error if loading failed). */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {
    @Inject
    @Any
    Instance<ServiceModel<?>> models;
    @Inject
    ModelWork work;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named("model").up();
        for (ServiceModel<?> m : models) {
            r.status(m.ready());
            if (m.source() != null) r.withData("weights", m.source());
            if (m.failure() != null) r.withData("error", String.valueOf(m.failure()));
        }
        if (work.stopping()) r.down().withData("draining", true);
        return r.build();
    }
}

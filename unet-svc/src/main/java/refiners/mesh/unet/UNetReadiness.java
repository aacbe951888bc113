package refiners.mesh.unet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the weights are loaded. */
@Readiness
@ApplicationScoped
public class UNetReadiness implements HealthCheck {
    @Inject
    UNetEngine engine;

    @Override
    public HealthCheckResponse call() {
        var r = HealthCheckResponse.named("unet weights").status(engine.ready());
        if (engine.loadFailure() != null) r.withData("error", String.valueOf(engine.loadFailure()));
        return r.build();
    }
}

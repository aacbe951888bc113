package refiners.mesh.vae;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the weights are loaded. */
@Readiness
@ApplicationScoped
public class AutoencoderReadiness implements HealthCheck {
    @Inject
    AutoencoderEngine engine;

    @Override
    public HealthCheckResponse call() {
        var r = HealthCheckResponse.named("autoencoder weights").status(engine.ready());
        if (engine.loadFailure() != null) r.withData("error", String.valueOf(engine.loadFailure()));
        return r.build();
    }
}

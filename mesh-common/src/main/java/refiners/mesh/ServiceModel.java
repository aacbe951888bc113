package refiners.mesh;

import io.grpc.Status;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;

/**
 * The one model a service serves, loaded on its own thread at start-up so that the HTTP port (health, metrics) is up
 * at once: the service reports not ready and answers UNAVAILABLE until it is loaded. Without a weights setting the
 * service does not start (the message says how to choose weights, "detinit" included). The weights' source shows in
 * the readiness details and as the metric refiners_model_info{service, weights}.
 *
 * @param <T> the model stage (e.g. LocalUNet)
 */
public abstract class ServiceModel<T> {
    private static final Logger LOG = Logger.getLogger(ServiceModel.class.getName());

    @Inject
    ModelConfig config;
    @Inject
    MeterRegistry registry;
    @Inject
    MeshLoras loras;
    @ConfigProperty(name = "quarkus.application.name")
    String service;

    private final String what;
    private volatile T model;
    private volatile boolean ready;
    private volatile Throwable failure;
    private volatile String source;

    /** @param what what the model is, for logs and messages ("UNet") */
    protected ServiceModel(String what) {
        this.what = what;
    }

    /**
     * Builds the model from the weights, compiled with {@code options} and run by {@code runner} (this service's ONNX
     * Runtime settings), with the LoRA library if one is configured (null otherwise), and runs it once so that the
     * first request does not pay for the session.
     */
    protected abstract T load(SD1Weights weights, CompileOptions options, Runner runner, LoraLibrary loras);

    void start(@Observes StartupEvent event) {
        SD1Weights weights = weights(config.weights().orElse("")); // no setting: the service stops here, saying why
        Runner runner = new Runner(config.runtime());
        CompileOptions options = LocalStages.DEFAULT_OPTIONS.withDtype(config.computeDtype());
        Thread loader = new Thread(() -> {
            try {
                long t0 = System.nanoTime();
                source = weights.describe();
                Gauge.builder("refiners.model.info", () -> 1).tag("service", service).tag("weights", source)
                        .description("the weights this service serves").register(registry);
                LOG.info(what + ": weights " + source + ", " + config.computeDtype() + " on " + config.device()
                        + (weights.isDetinit() ? " (REFINERS_WEIGHTS chooses real weights)" : ""));
                model = load(weights, options, runner, loras.library().orElse(null));
                ready = true;
                LOG.info(String.format("%s ready in %.1f s", what, (System.nanoTime() - t0) / 1e9));
            } catch (Throwable t) {
                failure = t;
                LOG.log(Level.SEVERE, "cannot load the " + what, t);
            }
        }, service + "-weights");
        loader.setDaemon(true);
        loader.start();
    }

    private static SD1Weights weights(String setting) {
        if (setting.isBlank()) throw new IllegalArgumentException("no model weights configured: set REFINERS_WEIGHTS (refiners.weights) to " + SD1Weights.CHOICES);
        return SD1Weights.parse(setting);
    }

    public boolean ready() {
        return ready;
    }

    /** Why loading failed, or null. */
    public Throwable failure() {
        return failure;
    }

    /** Where the weights come from (null until loading starts). */
    public String source() {
        return source;
    }

    public String service() {
        return service;
    }

    /** The model, or UNAVAILABLE while it loads (or after loading failed). */
    public T get() {
        T m = model;
        if (m != null) return m;
        throw Status.UNAVAILABLE.withDescription(service + (failure != null ? " could not load its weights: " + failure.getMessage()
                : " is still loading its weights")).asRuntimeException();
    }
}

package refiners.mesh;

import io.grpc.Status;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;

/**
 * The model a service serves for each family of REFINERS_MODELS (ModelFamilies), loaded on its own thread at start-up
 * so that the HTTP port (health, metrics) is up at once: the service reports not ready and answers UNAVAILABLE until
 * all are loaded. Without a family's weights setting the service does not start (the message says how to choose
 * weights, "detinit" included). The weights' source shows in the readiness details and as the metric
 * refiners_model_info{service, weights}.
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
    @Inject
    MeshConfig mesh;
    @ConfigProperty(name = "quarkus.application.name")
    String service;

    private final String what;
    private final Map<String, T> models = new ConcurrentHashMap<>();
    private volatile List<String> served;
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

    /** The same for SDXL ({@code loras}: the LoRA directory read for SDXL's models). */
    protected abstract T loadSdxl(SDXLWeights weights, CompileOptions options, Runner runner, LoraLibrary loras);

    void start(@Observes StartupEvent event) {
        List<String> families = mesh.servedModels();
        // no setting: the service stops here, saying why
        SD1Weights weights = families.contains(ModelFamilies.SD15) ? weights(config.weights().orElse("")) : null;
        SDXLWeights sdxl = families.contains(ModelFamilies.SDXL) ? sdxlWeights(config.sdxlWeights().orElse("")) : null;
        Runner runner = new Runner(config.runtime());
        CompileOptions options = LocalStages.DEFAULT_OPTIONS.withDtype(config.computeDtype());
        Thread loader = new Thread(() -> {
            try {
                long t0 = System.nanoTime();
                source = families.stream().map(f -> f.equals(ModelFamilies.SDXL) ? sdxl.describe() : weights.describe()).collect(Collectors.joining("; "));
                Gauge.builder("refiners.model.info", () -> 1).tag("service", service).tag("weights", source)
                        .description("the weights this service serves").register(registry);
                LOG.info(what + ": " + families + ", weights " + source + ", " + config.computeDtype() + " on " + config.device());
                for (String family : families)
                    models.put(family, family.equals(ModelFamilies.SDXL) ? loadSdxl(sdxl, options, runner, loras.library(family).orElse(null))
                            : load(weights, options, runner, loras.library().orElse(null)));
                served = families;
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

    private static SDXLWeights sdxlWeights(String setting) {
        if (setting.isBlank()) throw new IllegalArgumentException("REFINERS_MODELS names sdxl but no SDXL weights are configured: set REFINERS_SDXL_WEIGHTS (refiners.sdxl-weights) to " + SDXLWeights.CHOICES);
        return SDXLWeights.parse(setting);
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

    /** The default family's model (the first of REFINERS_MODELS), or UNAVAILABLE while it loads (or after loading failed). */
    public T get() {
        return get("");
    }

    /**
     * The model of the family a request names ({@code family}, the request's {@code model} field; empty: the first
     * served), INVALID_ARGUMENT naming {@code model} for a family not served here, UNAVAILABLE while loading.
     */
    public T get(String family) {
        List<String> families = served;
        if (families == null) throw Status.UNAVAILABLE.withDescription(service + (failure != null ? " could not load its weights: " + failure.getMessage()
                : " is still loading its weights")).asRuntimeException();
        return models.get(ModelFamilies.resolve(family, families, "model"));
    }

    /** Every loaded model (none while loading). */
    public java.util.Collection<T> all() {
        return served == null ? List.of() : models.values();
    }
}

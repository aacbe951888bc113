package refiners.mesh;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The settings every service of the mesh reads, the orchestrator included (defaults and REFINERS_* variables:
 * META-INF/microprofile-config.properties); the model services also read {@link ModelConfig}.
 */
@ConfigMapping(prefix = "refiners")
public interface MeshConfig {
    /** Largest image (width x height in pixels) a request may carry. */
    @WithDefault("1048576")
    long maxPixels();

    /** TLS settings the services read themselves (the rest is Quarkus' TLS registry, see the "tls" profile). */
    Tls tls();

    interface Tls {
        /** "required": every gRPC call must come with a client certificate from the mesh CA (mutual TLS); "none": not asked. */
        @WithDefault("none")
        String clientCertificates();
    }

    /** Requests (UNet: generations, each a pair of samples) one model call may batch; see Batcher. */
    @WithDefault("8")
    int maxBatch();

    /** How long the worker waits for company once a request is queued (0: never; a lone request runs at once). */
    @WithDefault("0ms")
    java.time.Duration batchWait();

    /** How long the worker waits for the streams of its last call to come back with their next step (at least; a tenth of that call if longer). */
    @WithDefault("20ms")
    java.time.Duration batchRegroup();

    /** Requests that may wait beyond one call's worth before new ones are refused (RESOURCE_EXHAUSTED). */
    @WithDefault("16")
    int queueLimit();

    /**
     * Every request computed alone, never batched with others: for devices whose kernels are not batch-invariant
     * (on CPU, ONNX Runtime's are: tested), at the cost of throughput.
     */
    @WithDefault("false")
    boolean deterministic();

    /** The model families this service serves (ModelFamilies), the first the default; the orchestrator: those it routes. */
    @WithDefault("sd15")
    java.util.List<String> models();

    /** {@link #models()} checked. */
    default java.util.List<String> servedModels() {
        return ModelFamilies.served(models());
    }

}

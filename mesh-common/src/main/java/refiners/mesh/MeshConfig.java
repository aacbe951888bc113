package refiners.mesh;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Locale;
import java.util.Optional;
import refiners.fluxion.DType;
import refiners.fluxion.runtime.RuntimeConfig;

/** The settings every service of the mesh reads (defaults and REFINERS_* variables: META-INF/microprofile-config.properties). */
@ConfigMapping(prefix = "refiners")
public interface MeshConfig {
    /** A diffusers folder, a single-file SD 1.x checkpoint, a refiners folder, or "detinit"; unset: a model service refuses to start. */
    Optional<String> weights();

    /** cpu, cuda or cuda:N. */
    @WithDefault("cpu")
    String device();

    /** float32 or float16. */
    @WithDefault("float32")
    String dtype();

    /** ONNX Runtime intra-op threads (0: one per core). */
    @WithDefault("0")
    int threads();

    /** Let ONNX Runtime prepack weights (copies them: more memory). */
    @WithDefault("false")
    boolean prepacking();

    /** ONNX Runtime threads busy-wait between ops. */
    @WithDefault("true")
    boolean spinning();

    /** Where LoRA files (NAME.safetensors) live; empty: no LoRAs. */
    Optional<String> loraDir();

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

    /** How this process creates ONNX Runtime sessions (the rest of RuntimeConfig: its REFINERS_* variables). */
    default RuntimeConfig runtime() {
        return RuntimeConfig.fromEnvironment().withDevice(device()).withThreads(threads()).withPrepacking(prepacking()).withSpinning(spinning());
    }

    /**
     * float32, or float16: half the weight memory; float16 arithmetic on CUDA, while ONNX Runtime's CPU kernels
     * compute in float32 from the float16 weights.
     */
    default DType computeDtype() {
        return switch (dtype().toLowerCase(Locale.ROOT)) {
            case "float32", "f32", "fp32" -> DType.F32;
            case "float16", "f16", "fp16" -> DType.F16;
            default -> throw new IllegalArgumentException("refiners.dtype (REFINERS_DTYPE) must be float32 or float16, not " + dtype());
        };
    }
}

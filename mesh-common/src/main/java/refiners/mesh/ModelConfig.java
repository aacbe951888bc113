package refiners.mesh;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Locale;
import java.util.Optional;
import refiners.fluxion.DType;
import refiners.fluxion.runtime.RuntimeConfig;

/**
 * The model a stage service (text encoder, UNet, VAE) serves and how ONNX Runtime runs it, with the defaults here. Each
 * setting is also the environment variable of its name (refiners.session-cache: REFINERS_SESSION_CACHE). The
 * orchestrator runs no model and reads none of it.
 */
@ConfigMapping(prefix = "refiners")
public interface ModelConfig {
    /** A diffusers folder, a single-file SD 1.x checkpoint, a refiners folder, or "detinit"; unset: a model service refuses to start. */
    Optional<String> weights();

    /** SDXL's weights (a refiners-format folder or "detinit"), needed when REFINERS_MODELS names sdxl. */
    Optional<String> sdxlWeights();

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

    /** The linear layers' weights mapped already packed for ONNX Runtime's GEMM from a file it writes once into the cache (cpu). */
    @WithDefault("false")
    boolean mappedPrepacking();

    /** ONNX Runtime threads busy-wait between ops. */
    @WithDefault("true")
    boolean spinning();

    /** ONNX Runtime sessions the service keeps (a model has one per input shape, LoRA layout, ControlNet set ...). */
    @WithDefault("4")
    int sessionCache();

    /** float32 convolutions on ONNX Runtime's NCHWc kernels (cpu), their blocked weights cached in files and mapped. */
    @WithDefault("true")
    boolean nchwc();

    /** ONNX Runtime's own weight rewrites (constant folding, its NCHWc layout): copies the weights (more memory). */
    @WithDefault("false")
    boolean weightRewrites();

    /** A file ONNX Runtime writes each new session's optimized graph to (debugging); unset: none. */
    Optional<String> dumpOptimized();

    /** Where LoRA files (NAME.safetensors) live; empty: no LoRAs. */
    Optional<String> loraDir();

    /** How this service creates ONNX Runtime sessions. */
    default RuntimeConfig runtime() {
        return RuntimeConfig.defaults().withDevice(device()).withThreads(threads()).withPrepacking(prepacking()).withSpinning(spinning())
                .withSessionCacheSize(sessionCache()).withNchwcConvolutions(nchwc()).withWeightRewrites(weightRewrites())
                .withMappedPrepacking(mappedPrepacking())
                .withDumpOptimized(dumpOptimized().orElse(null));
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

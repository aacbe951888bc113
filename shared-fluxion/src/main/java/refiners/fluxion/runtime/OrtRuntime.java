package refiners.fluxion.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;

/** The process-wide ONNX Runtime environment and session options. */
public final class OrtRuntime {
    private OrtRuntime() {}

    public static OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment();
    }

    static OrtSession.SessionOptions sessionOptions(RuntimeConfig config) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (config.intraOpThreads() > 0) o.setIntraOpNumThreads(config.intraOpThreads());
        if (!config.prepacking()) o.addConfigEntry("session.disable_prepacking", "1");
        if (!config.spinning()) o.addConfigEntry("session.intra_op.allow_spinning", "0");
        // Spin between the ops of a run, not after it: ONNX Runtime's workers otherwise spin up to 2^20 pauses once a
        // run returns, holding cores that the gRPC threads carrying its result (and the next step) are waiting for.
        else o.addConfigEntry("session.force_spinning_stop", "1");
        // Weights are bound with addInitializer and never serialized: optimizers that read initializer data at
        // session creation (folding, NCHWc weight reordering) would find no data, and would copy it if they did.
        if (!config.weightRewrites())
            o.addConfigEntry("optimization.disable_specified_optimizers", "ConstantFolding;NchwcTransformer;FuseFp16InitializerToFp32NodeTransformer;ConvAddFusion;ConvMulFusion;ConvBNFusion");
        if (config.device().equals("cuda")) {
            // Needs the onnxruntime_gpu artifact (Maven profile "gpu") and a CUDA-capable machine.
            try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(config.cudaDevice())) {
                cuda.add("cudnn_conv_algo_search", "HEURISTIC");
                o.addCUDA(cuda);
            }
        }
        if (config.dumpOptimized() != null) o.setOptimizedModelFilePath(config.dumpOptimized());
        if (config.profile() != null) o.enableProfiling(config.profile());
        return o;
    }
}

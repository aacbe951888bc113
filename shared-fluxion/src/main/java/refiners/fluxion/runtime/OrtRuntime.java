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

    private static volatile int nchwcBlock = -1;

    /**
     * The channel block of ONNX Runtime's NCHWc kernels on this CPU (MLAS picks 8 or 16 by instruction set), read by
     * running its ReorderInput on 4 channels, which pads them to one block; 0 if that fails (no such kernels).
     */
    public static int nchwcBlockSize() {
        if (nchwcBlock < 0) nchwcBlock = probeNchwcBlock();
        return nchwcBlock;
    }

    private static int probeNchwcBlock() {
        var shape = refiners.fluxion.compile.onnx.Onnx.TensorShapeProto.newBuilder();
        for (long d : new long[] {1, 4, 1, 1}) shape.addDim(refiners.fluxion.compile.onnx.Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        var type = refiners.fluxion.compile.onnx.Onnx.TypeProto.newBuilder().setTensorType(
                refiners.fluxion.compile.onnx.Onnx.TypeProto.Tensor.newBuilder().setElemType(refiners.fluxion.DType.F32.onnxCode).setShape(shape));
        var graph = refiners.fluxion.compile.onnx.Onnx.GraphProto.newBuilder().setName("nchwc-probe")
                .addInput(refiners.fluxion.compile.onnx.Onnx.ValueInfoProto.newBuilder().setName("x").setType(type))
                .addOutput(refiners.fluxion.compile.onnx.Onnx.ValueInfoProto.newBuilder().setName("y"))
                .addNode(refiners.fluxion.compile.onnx.Onnx.NodeProto.newBuilder().setOpType("ReorderInput").setDomain("com.microsoft.nchwc").addInput("x").addOutput("y"));
        byte[] model = refiners.fluxion.compile.onnx.Onnx.ModelProto.newBuilder().setIrVersion(refiners.fluxion.compile.Compiler.IR_VERSION)
                .addOpsetImport(refiners.fluxion.compile.onnx.Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(refiners.fluxion.compile.Compiler.OPSET))
                .addOpsetImport(refiners.fluxion.compile.onnx.Onnx.OperatorSetIdProto.newBuilder().setDomain("com.microsoft.nchwc").setVersion(1))
                .setGraph(graph).build().toByteArray();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
             OrtSession session = environment().createSession(model, o);
             ai.onnxruntime.OnnxTensor x = ai.onnxruntime.OnnxTensor.createTensor(environment(), java.nio.FloatBuffer.wrap(new float[4]), new long[] {1, 4, 1, 1});
             OrtSession.Result r = session.run(java.util.Map.of("x", x))) {
            return (int) ((ai.onnxruntime.OnnxTensor) r.get(0)).getInfo().getShape()[1];
        } catch (OrtException | RuntimeException e) {
            return 0;
        }
    }

    static OrtSession.SessionOptions sessionOptions(RuntimeConfig config) throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // 0 = one thread per processor the JVM sees (its container's CPU limit included). Left to ONNX Runtime, its
        // cpuinfo probe chose one thread on 2-vCPU VMs (a second thread ran a MatMul chain 1.4x faster there).
        o.setIntraOpNumThreads(config.intraOpThreads() > 0 ? config.intraOpThreads() : Runtime.getRuntime().availableProcessors());
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
        if (config.profilePrefix() != null) o.enableProfiling(config.profilePrefix());
        return o;
    }
}

package refiners.fluxion.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompiledGraph;
import refiners.fluxion.compile.Graph;

/**
 * An ONNX Runtime session over a compiled graph. Weights are wrapped as tensors over their own (usually mapped)
 * memory and handed over with addInitializer, so the session reads them in place. Thread-safe; closing waits for
 * running calls (each run holds a lease; the last lease of a closed model closes the session).
 */
public final class CompiledModel implements AutoCloseable {
    private final CompiledGraph graph;
    private final OrtSession session;
    private final List<OnnxTensor> weightTensors;
    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean closeRequested;
    private final double creationSeconds;
    /** Per-run options: null, or the arena shrinking after each run (see {@link #runOptions}). */
    private final OrtSession.RunOptions runOptions;

    private CompiledModel(CompiledGraph graph, OrtSession session, List<OnnxTensor> weightTensors, double creationSeconds, OrtSession.RunOptions runOptions) {
        this.graph = graph;
        this.session = session;
        this.weightTensors = weightTensors;
        this.creationSeconds = creationSeconds;
        this.runOptions = runOptions;
    }

    public static CompiledModel create(CompiledGraph graph, RuntimeConfig config) {
        OrtEnvironment env = OrtRuntime.environment();
        List<OnnxTensor> weights = new ArrayList<>();
        long t0 = System.nanoTime();
        // Prepacked linear weights mapped from a file need ONNX Runtime's prepacking on, to hand them to the kernels.
        PrepackedGemms.Plan packed = config.mappedPrepacking() && config.device().equals("cpu") && !config.prepacking() && !config.weightRewrites()
                ? PrepackedGemms.plan(graph) : null;
        try (OrtSession.SessionOptions options = OrtRuntime.sessionOptions(packed == null ? config : config.withPrepacking(true))) {
            Path folder = packed != null ? packed.folder() : graph.weightsFolder();
            if (folder != null) options.addConfigEntry("session.model_external_initializers_file_folder_path", folder.toString());
            for (Map.Entry<String, Tensor> e : graph.weights().entrySet()) {
                if (packed != null && packed.fromFile().contains(e.getKey())) continue;
                OnnxTensor t = wrap(env, e.getValue());
                weights.add(t);
                options.addInitializer(e.getKey(), t);
            }
            OrtSession.RunOptions runOptions = runOptions(graph, config);
            OrtSession session = env.createSession(packed != null ? packed.model() : graph.model(), options);
            return new CompiledModel(graph, session, weights, (System.nanoTime() - t0) / 1e9, runOptions);
        } catch (OrtException e) {
            weights.forEach(OnnxTensor::close);
            String hint = config.device().equals("cuda")
                    ? " (device cuda needs the onnxruntime_gpu build, mvn -Pgpu, and CUDA 12 with cuDNN 9 on the library path)" : "";
            throw new IllegalStateException("ONNX Runtime could not create the session" + hint + ": " + e.getMessage(), e);
        }
    }

    /**
     * float16 weights on CPU are cast to float32 in every run, into buffers of ONNX Runtime's arena, which keeps the
     * largest run's memory for good (about 0.5 GiB per input shape for the SDXL UNet, one session each): there the
     * arena gives its free chunks back after each run (the price: page faults for those buffers in every run).
     */
    private static OrtSession.RunOptions runOptions(CompiledGraph graph, RuntimeConfig config) throws OrtException {
        if (!config.device().equals("cpu") || graph.weights().values().stream().noneMatch(t -> t.dtype() == DType.F16)) return null;
        OrtSession.RunOptions o = new OrtSession.RunOptions();
        o.addRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
        return o;
    }

    /** Wraps a tensor's buffer without copying it (the buffer must be direct, as Tensors made here are). */
    static OnnxTensor wrap(OrtEnvironment env, Tensor t) throws OrtException {
        ByteBuffer b = t.data();
        if (!b.isDirect()) {
            ByteBuffer d = ByteBuffer.allocateDirect(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            d.put(b).flip();
            b = d;
        }
        return OnnxTensor.createTensor(env, b.order(ByteOrder.nativeOrder()), t.shape(), javaType(t.dtype()));
    }

    private static OnnxJavaType javaType(DType d) {
        return switch (d) {
            case F32 -> OnnxJavaType.FLOAT;
            case F16 -> OnnxJavaType.FLOAT16;
            case BF16 -> OnnxJavaType.BFLOAT16;
            case F64 -> OnnxJavaType.DOUBLE;
            case I64 -> OnnxJavaType.INT64;
            case I32 -> OnnxJavaType.INT32;
            case I8 -> OnnxJavaType.INT8;
            case U8 -> OnnxJavaType.UINT8;
            case BOOL -> OnnxJavaType.BOOL;
        };
    }

    public double creationSeconds() {
        return creationSeconds;
    }

    public CompiledGraph graph() {
        return graph;
    }

    /** Ends ONNX Runtime's profiling of this session (RuntimeConfig.withProfiling) and returns its JSON file. */
    public java.nio.file.Path endProfiling() {
        try {
            return java.nio.file.Path.of(session.endProfiling());
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not end profiling: " + e.getMessage(), e);
        }
    }

    /** Runs with positional inputs and the current context tensors (by "context.key"). */
    public RunResult run(List<Tensor> inputs, Map<String, Tensor> contextTensors) {
        if (!acquire()) throw new IllegalStateException("compiled model is closed");
        try {
            return runLeased(inputs, contextTensors);
        } finally {
            release();
        }
    }

    /** Runs under a lease the caller holds (see {@link #acquire}). */
    RunResult runLeased(List<Tensor> inputs, Map<String, Tensor> contextTensors) {
        if (inputs.size() != graph.inputNames().size())
            throw new IllegalArgumentException("model takes " + graph.inputNames().size() + " inputs, got " + inputs.size());
        OrtEnvironment env = OrtRuntime.environment();
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (int i = 0; i < inputs.size(); i++) feeds.put(graph.inputNames().get(i), wrap(env, inputs.get(i)));
            for (Graph.ContextFeed f : graph.contextFeeds()) {
                Tensor t = contextTensors.get(f.inputName());
                if (t == null) throw new IllegalStateException("context entry " + f.inputName() + " is unset");
                feeds.put(f.inputName(), wrap(env, t));
            }
            List<String> names = new ArrayList<>(graph.outputNames());
            names.addAll(graph.tapOutputs().values());
            Map<String, Tensor> results = new LinkedHashMap<>();
            try (OrtSession.Result r = runOptions == null ? session.run(feeds, new java.util.LinkedHashSet<>(names))
                    : session.run(feeds, new java.util.LinkedHashSet<>(names), runOptions)) {
                for (Map.Entry<String, OnnxValue> e : r) results.put(e.getKey(), toTensor((OnnxTensor) e.getValue()));
            }
            List<Tensor> outs = new ArrayList<>();
            for (String n : graph.outputNames()) outs.add(results.get(n));
            Map<String, Tensor> taps = new LinkedHashMap<>();
            graph.tapOutputs().forEach((path, n) -> taps.put(path, results.get(n)));
            return new RunResult(outs, taps);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private static Tensor toTensor(OnnxTensor t) {
        long[] shape = t.getInfo().getShape();
        DType dtype = switch (t.getInfo().type) {
            case FLOAT -> DType.F32;
            case DOUBLE -> DType.F64;
            case INT64 -> DType.I64;
            case INT32 -> DType.I32;
            case FLOAT16 -> DType.F16;
            case UINT8 -> DType.U8;
            case BOOL -> DType.BOOL;
            default -> throw new IllegalStateException("unsupported output type " + t.getInfo().type);
        };
        ByteBuffer src = t.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer dst = Tensor.allocate(src.remaining());
        dst.put(src).flip();
        return new Tensor(dtype, shape, dst);
    }

    /** Takes a lease for one run; false once close was requested. */
    synchronized boolean acquire() {
        if (closeRequested) return false;
        running.incrementAndGet();
        return true;
    }

    /** Ends a lease; the last one after a close request closes the session. */
    synchronized void release() {
        if (running.decrementAndGet() == 0 && closeRequested) closeNow();
    }

    /** Closes now, or after the calls in progress finish. */
    @Override
    public synchronized void close() {
        if (closeRequested) return;
        closeRequested = true;
        if (running.get() == 0) closeNow();
    }

    private void closeNow() {
        try {
            session.close();
            if (runOptions != null) runOptions.close();
        } catch (OrtException e) {
            // nothing to recover: the session is gone either way
        }
        weightTensors.forEach(OnnxTensor::close);
    }
}

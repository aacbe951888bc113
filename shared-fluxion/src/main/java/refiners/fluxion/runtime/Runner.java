package refiners.fluxion.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.CompiledGraph;
import refiners.fluxion.compile.Compiler;
import refiners.fluxion.compile.Contexts;
import refiners.fluxion.compile.Tap;
import refiners.fluxion.layers.Module;

/**
 * Runs layer trees: compiles a model to an ONNX graph, creates its ONNX Runtime session with this runner's
 * {@link RuntimeConfig} (device, threads, prepacking ...), and keeps the sessions in a bounded LRU cache keyed by the
 * model (held weakly), its {@link Module#treeVersion()} (any edit of the tree means new sessions; those of older
 * versions are closed), the compile options (dtype, shape policy, operators, tap paths, free-shape contexts) and the
 * policy-applied shapes and dtypes of the inputs and context tensors. Thread-safe: concurrent runs share sessions, and
 * a session evicted during a run is closed when the run ends.
 *
 * <p>Code that has no runtime of its own to choose (tests, examples) runs on {@link #shared()}, e.g.
 * {@code Runner.shared().forward(model, x)}; services and tools create a runner with their configuration.
 * {@link #forget} closes a model's sessions at once; otherwise they go when evicted, when the model changes or is
 * garbage collected, or at {@link #close}.
 */
public final class Runner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Runner.class.getName());
    private final RuntimeConfig config;
    private final SessionCache sessions;

    public Runner(RuntimeConfig config) {
        this.config = config;
        this.sessions = new SessionCache(config.sessionCacheSize());
    }

    private static final class Shared {
        static final Runner INSTANCE = new Runner(RuntimeConfig.defaults());
    }

    /** The process-wide runner with {@link RuntimeConfig#defaults()}, for code that does not choose its runtime. */
    public static Runner shared() {
        return Shared.INSTANCE;
    }

    public RuntimeConfig config() {
        return config;
    }

    /** Compiles (once per structure, dtype and input signature) and runs {@code model}; its single output. */
    public Tensor forward(Module model, Tensor... inputs) {
        return run(model, CompileOptions.defaults(), List.of(inputs)).output();
    }

    /** Like {@link #forward} for models that return a tuple. */
    public List<Tensor> forwardAll(Module model, Tensor... inputs) {
        return run(model, CompileOptions.defaults(), List.of(inputs)).outputs();
    }

    public RunResult run(Module model, CompileOptions options, List<Tensor> inputs) {
        return run(model, options, inputs, Map.of());
    }

    /**
     * Runs {@code model} on positional inputs with context tensors for this call only (on top of the model's own,
     * set with setContext): nothing is written to the model. Per-call context values must be tensors (run-time
     * inputs); compile-time values go through setContext. Taps given as layers are resolved to their paths.
     */
    public RunResult run(Module model, CompileOptions options, List<Tensor> inputs, Map<String, Map<String, Object>> contexts) {
        contexts.forEach((ctx, values) -> values.forEach((k, v) -> {
            if (!(v instanceof Tensor))
                throw new IllegalArgumentException("per-call context value " + ctx + "." + k + " must be a Tensor, not " + (v == null ? "null" : v.getClass().getSimpleName())
                        + " (compile-time values are set on the model with setContext)");
        }));
        CompileOptions resolved = forThisRuntime(options.resolveTaps(model));
        Map<String, Tensor> contextTensors = Contexts.collect(model, contexts).tensors();
        List<Object> signature = signature(resolved, inputs, contextTensors);
        CompiledModel session = sessions.lease(model, model.treeVersion(), signature, () -> compile(model, resolved, inputs, contexts));
        try {
            return session.runLeased(inputs, contextTensors).withTapped(resolved.taps());
        } finally {
            session.release();
        }
    }

    /**
     * Compiles {@code model} for these inputs and creates its session, outside the cache: the caller owns it and
     * closes it (benchmarks and timings that want the session itself).
     */
    public CompiledModel compile(Module model, CompileOptions options, List<Tensor> inputs, Map<String, Map<String, Object>> contexts) {
        options = forThisRuntime(options);
        List<Compiler.InputSpec> specs = new ArrayList<>();
        for (Tensor t : inputs) specs.add(new Compiler.InputSpec(t.dtype(), options.shapePolicy().apply(t.shape())));
        long t0 = System.nanoTime();
        CompiledGraph graph = Compiler.compile(model, specs, options, config.device(), contexts);
        double compileSeconds = (System.nanoTime() - t0) / 1e9;
        CompiledModel compiled = CompiledModel.create(graph, config);
        // what a service's start-up is made of (DEBUG: tests create thousands of sessions)
        LOG.log(System.Logger.Level.DEBUG, () -> String.format(java.util.Locale.ROOT, "%s: graph of %d nodes in %.2f s (NCHWc weights included), session in %.2f s",
                model.className(), graph.nodeCount(), compileSeconds, compiled.creationSeconds()));
        return compiled;
    }

    /**
     * The options with what only the runtime knows: on cpu with ONNX Runtime's operators and float32, convolutions
     * on its NCHWc kernels with weights blocked to its block size (unless the runtime config turns them off).
     */
    private CompileOptions forThisRuntime(CompileOptions options) {
        boolean nchwc = config.nchwcConvolutions() && config.device().equals("cpu") && options.onnxRuntimeOperators() && options.dtype() == refiners.fluxion.DType.F32;
        return options.nchwcBlock() == 0 && nchwc ? options.withNchwcBlock(OrtRuntime.nchwcBlockSize()) : options;
    }

    /** What decides a session besides the model and its version; compared by value. */
    private static List<Object> signature(CompileOptions options, List<Tensor> inputs, Map<String, Tensor> contextTensors) {
        List<Object> key = new ArrayList<>();
        key.add(options.dtype());
        key.add(options.shapePolicy());
        key.add(options.operators());
        key.add(options.nchwcBlock());
        key.add(options.quantization());
        key.add(new TreeSet<>(options.freeShapeContexts()).toString());
        key.add(options.taps().stream().map(Tap::path).toList());
        for (Tensor t : inputs) key.add(t.dtype() + Arrays.toString(options.shapePolicy().apply(t.shape())));
        contextTensors.forEach((k, t) -> {
            key.add(k);
            key.add(t.dtype() + Arrays.toString(options.contextShape(k.substring(0, k.indexOf('.')), t.shape())));
        });
        return key;
    }

    /** Closes the sessions of {@code model} now (or when their runs end). */
    public void forget(Module model) {
        sessions.forget(model);
    }

    /** Sessions held (including those being compiled). */
    public int sessionCount() {
        return sessions.size();
    }

    /** Closes every session (each after its runs end); the runner stays usable. */
    @Override
    public void close() {
        sessions.clear();
    }
}

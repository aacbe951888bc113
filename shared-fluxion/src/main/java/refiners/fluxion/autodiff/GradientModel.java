package refiners.fluxion.autodiff;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.CompiledGraph;
import refiners.fluxion.compile.Compiler;
import refiners.fluxion.compile.Operators;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.onnx.Onnx.GraphProto;
import refiners.fluxion.compile.onnx.Onnx.ModelProto;
import refiners.fluxion.compile.onnx.Onnx.TensorProto;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.RunResult;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.fluxion.layers.Module;

/**
 * A layer tree compiled with its reverse pass into one ONNX Runtime session. The differentiated inputs are context
 * tensors fed on every run (e.g. LoRA slots, "lora_slots.&lt;layer&gt;.down"); every weight stays a frozen, zero-copy
 * initializer. Two forms:
 * <ul>
 *   <li>{@link #meanSquaredError}: a target joins the positional inputs; outputs are the loss, the prediction and the
 *       gradients of the loss;</li>
 *   <li>{@link #vectorJacobian}: the cotangent of the model's output joins the positional inputs; outputs are the
 *       output and the gradients of sum(output * cotangent), to chain one model's gradients into another's.</li>
 * </ul>
 */
public final class GradientModel implements AutoCloseable {
    /** One run: the loss (mean squared error form) or null, the model's output, the gradients by input name. */
    public record Result(Tensor loss, Tensor output, Map<String, Tensor> gradients) {}

    private final CompiledModel session;
    private final List<String> wrt;
    private final boolean hasLoss;

    private GradientModel(CompiledModel session, List<String> wrt, boolean hasLoss) {
        this.session = session;
        this.wrt = wrt;
        this.hasLoss = hasLoss;
    }

    /**
     * Gradients of mean((model(inputs) - target)^2) with respect to context tensors {@code wrt} ("context.key", as
     * compiled inputs are named). Shapes are static: those of {@code inputs} and of the context values. The session
     * is created with {@code runtime} (device, threads) and belongs to the returned model (close it).
     */
    public static GradientModel meanSquaredError(Module model, List<Compiler.InputSpec> inputs, CompileOptions options,
                                                 Map<String, Map<String, Object>> contexts, Collection<String> wrt, RuntimeConfig runtime) {
        return build(model, inputs, options, contexts, wrt, true, runtime);
    }

    /** Gradients of sum(model(inputs) * cotangent) with respect to context tensors {@code wrt}. */
    public static GradientModel vectorJacobian(Module model, List<Compiler.InputSpec> inputs, CompileOptions options,
                                               Map<String, Map<String, Object>> contexts, Collection<String> wrt, RuntimeConfig runtime) {
        return build(model, inputs, options, contexts, wrt, false, runtime);
    }

    private static GradientModel build(Module model, List<Compiler.InputSpec> inputs, CompileOptions options,
                                       Map<String, Map<String, Object>> contexts, Collection<String> wrt, boolean mse, RuntimeConfig runtime) {
        // plain ONNX operators: every one of them has a vector-Jacobian rule (ONNX Runtime's fused contrib ops do not)
        CompiledGraph forward = Compiler.compile(model, inputs, options.withOperators(Operators.STANDARD), runtime.device(), contexts);
        if (forward.outputNames().size() != 1) throw new IllegalArgumentException("differentiation needs a model with one output, got " + forward.outputNames().size());
        Set<String> contextInputs = new HashSet<>();
        for (Graph.ContextFeed f : forward.contextFeeds()) contextInputs.add(f.inputName());
        for (String x : wrt) if (!contextInputs.contains(x)) throw new IllegalArgumentException("'" + x + "' is not a context input of the compiled model (have " + contextInputs + ")");
        String prediction = forward.outputNames().get(0);
        ModelProto proto = parse(forward.model());
        List<String> positional = new ArrayList<>(forward.inputNames());
        List<String> outputs = new ArrayList<>();
        ModelProto differentiated;
        List<String> order = List.copyOf(wrt);
        if (mse) {
            GraphProto.Builder g = proto.getGraph().toBuilder();
            GraphWriter w = GraphWriter.over(g, "loss");
            String target = w.addInput("target", w.info(prediction));
            String loss = Losses.meanSquaredError(w, prediction, target);
            g.addNode(refiners.fluxion.compile.onnx.Onnx.NodeProto.newBuilder().setOpType("Identity").addInput(loss).addOutput("loss"));
            g.addOutput(ReverseMode.valueInfo("loss", w.info(loss)));
            differentiated = ReverseMode.gradients(proto.toBuilder().setGraph(g).build(), "loss", order, List.of("loss", prediction));
            positional.add(target);
            outputs.add("loss");
        } else {
            differentiated = ReverseMode.vjp(proto, prediction, order, List.of(prediction));
            positional.add(ReverseMode.GRAD + prediction);
        }
        outputs.add(prediction);
        for (String x : order) outputs.add(ReverseMode.GRAD + x);
        Set<String> bound = new HashSet<>();
        for (TensorProto t : differentiated.getGraph().getInitializerList()) bound.add(t.getName());
        Map<String, Tensor> weights = new LinkedHashMap<>();
        forward.weights().forEach((k, v) -> {
            if (bound.contains(k)) weights.put(k, v);
        });
        CompiledGraph graph = new CompiledGraph(differentiated.toByteArray(), weights, positional, forward.contextFeeds(), outputs, Map.of(),
                differentiated.getGraph().getNodeCount(), forward.weightsFolder());
        return new GradientModel(CompiledModel.create(graph, runtime), order, mse);
    }

    private static ModelProto parse(byte[] bytes) {
        try {
            return ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("compiled model does not parse back", e);
        }
    }

    /** The differentiated inputs, in the order gradients are returned. */
    public List<String> wrt() {
        return wrt;
    }

    /** Nodes in the forward + backward graph. */
    public long nodeCount() {
        return session.graph().nodeCount();
    }

    /**
     * Runs forward and backward: positional inputs, then the target (mean squared error) or the output's cotangent
     * (vector-Jacobian), and every context tensor by "context.key" (the differentiated ones included).
     */
    public Result run(List<Tensor> inputs, Tensor targetOrCotangent, Map<String, Tensor> contextTensors) {
        List<Tensor> feeds = new ArrayList<>(inputs);
        feeds.add(targetOrCotangent);
        RunResult r = session.run(feeds, contextTensors);
        List<Tensor> outs = r.outputs();
        int k = 0;
        Tensor loss = hasLoss ? outs.get(k++) : null;
        Tensor output = outs.get(k++);
        Map<String, Tensor> grads = new LinkedHashMap<>();
        for (String x : wrt) grads.put(x, outs.get(k++));
        return new Result(loss, output, grads);
    }

    @Override
    public void close() {
        session.close();
    }
}

package refiners.fluxion.autodiff;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import refiners.fluxion.compile.onnx.Onnx.GraphProto;
import refiners.fluxion.compile.onnx.Onnx.ModelProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;
import refiners.fluxion.compile.onnx.Onnx.TensorProto;
import refiners.fluxion.compile.onnx.Onnx.TensorShapeProto;
import refiners.fluxion.compile.onnx.Onnx.TypeProto;
import refiners.fluxion.compile.onnx.Onnx.ValueInfoProto;

/**
 * Reverse-mode differentiation of a compiled ONNX model with respect to some of its inputs: the returned model runs
 * the forward graph, then the vector-Jacobian products of the nodes that lie between those inputs and the
 * differentiated output, in reverse order, as plain ONNX nodes the same sessions run. Only what depends on the chosen
 * inputs is differentiated (frozen weights get no gradient and stay where they are); forward values the backward pass
 * reads are kept alive by the runtime until their last use (saved activations), normalization statistics are
 * recomputed. An op on that path without a rule is an error naming it.
 */
public final class ReverseMode {
    /** Gradient outputs are named this prefix + the input's name; so is the cotangent input of {@link #vjp}. */
    public static final String GRAD = "grad.";

    private ReverseMode() {}

    /** Gradients of a one-element output (seeded with 1) with respect to inputs {@code wrt}; keeps outputs {@code keep}. */
    public static ModelProto gradients(ModelProto forward, String output, List<String> wrt, List<String> keep) {
        return differentiate(forward, output, true, wrt, keep);
    }

    /** Vector-Jacobian product: the cotangent of {@code output} is a new input named {@value #GRAD} + output. */
    public static ModelProto vjp(ModelProto forward, String output, List<String> wrt, List<String> keep) {
        return differentiate(forward, output, false, wrt, keep);
    }

    private static ModelProto differentiate(ModelProto forward, String output, boolean scalar, List<String> wrt, List<String> keep) {
        GraphProto.Builder g = forward.getGraph().toBuilder();
        Map<String, ValueInfoProto> oldOutputs = new HashMap<>();
        for (ValueInfoProto o : g.getOutputList()) oldOutputs.put(o.getName(), o);
        GraphWriter w = GraphWriter.over(g, "grad");
        g.clearOutput();
        List<NodeProto> nodes = List.copyOf(g.getNodeList());
        Set<String> inputs = new HashSet<>();
        g.getInputList().forEach(i -> inputs.add(i.getName()));
        for (String x : wrt) {
            if (!inputs.contains(x)) throw new IllegalArgumentException("cannot differentiate with respect to '" + x + "': not an input of the graph");
            if (!w.info(x).isFloat()) throw new IllegalArgumentException("cannot differentiate with respect to '" + x + "': not a floating-point input");
        }
        TensorInfo outInfo = w.info(output);

        // Values depending on a differentiated input.
        Set<String> active = new HashSet<>(wrt);
        for (NodeProto n : nodes) {
            if (n.getInputList().stream().noneMatch(active::contains)) continue;
            for (String o : n.getOutputList()) {
                TensorInfo t = w.infoOrNull(o);
                if (t == null || t.isFloat()) active.add(o);
            }
        }
        if (!active.contains(output)) throw new IllegalArgumentException("output '" + output + "' does not depend on " + wrt);

        // Nodes between them and the output.
        Set<String> reaching = new HashSet<>(Set.of(output));
        List<NodeProto> path = new ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            NodeProto n = nodes.get(i);
            if (n.getOutputList().stream().noneMatch(reaching::contains)) continue;
            boolean any = false;
            for (String in : n.getInputList()) if (active.contains(in)) {
                reaching.add(in);
                any = true;
            }
            if (any) path.add(n);
        }

        Map<String, List<String>> contributions = new HashMap<>();
        String seed;
        if (scalar) {
            if (outInfo.numel() != 1) throw new IllegalArgumentException("output '" + output + "' has shape " + java.util.Arrays.toString(outInfo.shape()) + ": gradients need a one-element output (use vjp)");
            seed = w.reshape(w.scalar(1, outInfo.elemType()), outInfo.shape());
        } else {
            seed = w.addInput(GRAD + output, outInfo);
        }
        contributions.put(output, new ArrayList<>(List.of(seed)));
        for (NodeProto n : path) {
            List<String> grads = new ArrayList<>();
            boolean any = false;
            for (String o : n.getOutputList()) {
                List<String> c = contributions.remove(o);
                String sum = c == null ? null : w.sum(c);
                grads.add(sum);
                any |= sum != null;
            }
            if (!any) continue;
            VjpRule rule = VjpRules.find(n.getDomain(), n.getOpType());
            if (rule == null)
                throw new UnsupportedOperationException("no vector-Jacobian rule for op " + NodeAttrs.describe(n) + ", which lies between " + summary(wrt) + " and '" + output
                        + "' (supported: " + VjpRules.ops() + "; compile without contrib fusions to differentiate)");
            try {
                rule.apply(new Vjp(n, w, grads, active, contributions));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("while differentiating " + NodeAttrs.describe(n) + ": " + e.getMessage(), e);
            }
        }

        for (String k : keep) {
            ValueInfoProto old = oldOutputs.get(k);
            g.addOutput(old != null ? old : valueInfo(k, w.info(k)));
        }
        for (String x : wrt) {
            List<String> c = contributions.get(x);
            String grad = c == null ? w.zeros(w.shape(x), w.type(x)) : w.sum(c);
            g.addNode(NodeProto.newBuilder().setOpType("Identity").setName(GRAD + x).addInput(grad).addOutput(GRAD + x));
            g.addOutput(valueInfo(GRAD + x, w.info(x)));
        }
        removeDeadCode(g);
        return forward.toBuilder().setGraph(g).build();
    }

    private static String summary(List<String> wrt) {
        return wrt.size() <= 3 ? wrt.toString() : "[" + wrt.get(0) + ", ... (" + wrt.size() + " inputs)]";
    }

    static ValueInfoProto valueInfo(String name, TensorInfo t) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : t.shape()) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(t.elemType()).setShape(s))).build();
    }

    /** Drops nodes and initializers no output needs (graph inputs stay: callers feed them all). */
    static void removeDeadCode(GraphProto.Builder g) {
        Set<String> needed = new HashSet<>();
        g.getOutputList().forEach(o -> needed.add(o.getName()));
        List<NodeProto> kept = new ArrayList<>();
        List<NodeProto> nodes = g.getNodeList();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            NodeProto n = nodes.get(i);
            if (n.getOutputList().stream().noneMatch(needed::contains)) continue;
            kept.add(n);
            needed.addAll(n.getInputList());
        }
        java.util.Collections.reverse(kept);
        g.clearNode().addAllNode(kept);
        Map<String, TensorProto> inits = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) if (needed.contains(t.getName())) inits.put(t.getName(), t);
        g.clearInitializer().addAllInitializer(inits.values());
    }
}

package refiners.fluxion.autodiff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;

/** One node being differentiated: its inputs and outputs, their gradients, and the writer to emit with. */
public final class Vjp {
    private final NodeProto node;
    private final GraphWriter w;
    private final List<String> outputGrads;
    private final Set<String> active;
    private final Map<String, List<String>> contributions;

    Vjp(NodeProto node, GraphWriter w, List<String> outputGrads, Set<String> active, Map<String, List<String>> contributions) {
        this.node = node;
        this.w = w;
        this.outputGrads = outputGrads;
        this.active = active;
        this.contributions = contributions;
    }

    public NodeProto node() { return node; }

    public GraphWriter w() { return w; }

    /** The input's value name, or null when the optional input is absent. */
    public String in(int i) {
        return NodeAttrs.input(node, i);
    }

    public String out(int i) {
        return node.getOutput(i);
    }

    public int inputCount() {
        return node.getInputCount();
    }

    /** The gradient of output i, or null when that output does not reach the differentiated output. */
    public String grad(int i) {
        return i < outputGrads.size() ? outputGrads.get(i) : null;
    }

    /** The gradient of output i, zeros when it does not reach the differentiated output. */
    public String gradOrZeros(int i) {
        String g = grad(i);
        return g != null ? g : w.zeros(w.shape(out(i)), w.type(out(i)));
    }

    /** Whether input i depends on a differentiated input (so needs a gradient). */
    public boolean needs(int i) {
        String name = in(i);
        return name != null && active.contains(name);
    }

    /** Adds a contribution to the gradient of input i (ignored when the input needs none). */
    public void give(int i, String grad) {
        if (!needs(i)) return;
        contributions.computeIfAbsent(in(i), k -> new ArrayList<>()).add(grad);
    }

    public long[] shape(String name) { return w.shape(name); }
    public int type(String name) { return w.type(name); }

    public long attrInt(String name, long def) { return NodeAttrs.i(node, name, def); }
    public float attrFloat(String name, float def) { return NodeAttrs.f(node, name, def); }
    public String attrString(String name, String def) { return NodeAttrs.s(node, name, def); }
    public long[] attrInts(String name) { return NodeAttrs.ints(node, name); }

    /** A constant int64 input (axes, pads, sizes); an error naming the op when it is computed at run time. */
    public long[] constantInput(int i, String what) {
        String name = in(i);
        long[] v = name == null ? null : w.info(name).constant();
        if (v == null) throw unsupported(what + " computed at run time");
        return v;
    }

    public UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException("cannot differentiate " + NodeAttrs.describe(node) + ": " + what + " is not supported");
    }
}

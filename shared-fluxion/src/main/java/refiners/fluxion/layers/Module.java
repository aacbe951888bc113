package refiners.fluxion.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;
import refiners.fluxion.runtime.CompiledCache;
import refiners.fluxion.runtime.RunResult;

/**
 * A Fluxion layer. Layers are declared: a constructor sets attributes, parameters and (for chains) children; what a
 * layer computes is its {@link #lower} hook, which emits ONNX graph nodes at compile time. No arithmetic runs in Java.
 */
public abstract class Module implements Cloneable {
    private Chain parent;
    private Map<String, Param> parameters = new LinkedHashMap<>();
    private CompiledCache compiled;

    /** A declared parameter: its shape, and the tensor bound to it once weights are loaded. */
    public static final class Param {
        final long[] shape;
        Tensor value;

        Param(long[] shape) {
            this.shape = shape;
        }

        public long[] shape() { return shape.clone(); }
        public Tensor value() { return value; }
    }

    /** Name used in state-dict keys and printouts: the class name, as in refiners. */
    public String className() {
        return getClass().getSimpleName();
    }

    // ---------------------------------------------------------------- parameters

    protected final void declareParameter(String name, long... shape) {
        parameters.put(name, new Param(shape));
    }

    /** This layer's own parameters (not its children's), in declaration order. */
    public Map<String, Param> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    public Tensor parameter(String name) {
        Param p = parameters.get(name);
        if (p == null) throw new IllegalArgumentException(className() + " has no parameter " + name);
        return p.value;
    }

    public void setParameter(String name, Tensor value) {
        Param p = parameters.get(name);
        if (p == null) throw new IllegalArgumentException(className() + " has no parameter " + name);
        if (!Arrays.equals(p.shape, value.shape()))
            throw new IllegalArgumentException(className() + "." + name + ": shape " + Arrays.toString(value.shape()) + ", expected " + Arrays.toString(p.shape));
        p.value = value;
        invalidateCompiled();
    }

    /** Keys and shapes of the whole state dict under this layer, in refiners' state_dict() order. */
    public Map<String, long[]> stateDictShapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        StateDict.visit(this, "", (key, owner, name) -> out.put(key, owner.parameters.get(name).shape()));
        return out;
    }

    /** The bound parameter tensors, by refiners key (a missing value is an error: load weights first). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        StateDict.visit(this, "", (key, owner, name) -> out.put(key, owner.parameters.get(name).value));
        return out;
    }

    /** Binds every parameter from a refiners-keyed map (no copy); strict: missing, unexpected or mis-shaped keys fail. */
    public void loadStateDict(Map<String, Tensor> tensors) {
        StateDict.load(this, tensors);
    }

    // ---------------------------------------------------------------- tree

    public Chain parent() {
        return parent;
    }

    void setParent(Chain parent) {
        this.parent = parent;
    }

    /** Parents from the nearest to the root. */
    public List<Chain> parents() {
        List<Chain> out = new ArrayList<>();
        for (Chain p = parent; p != null; p = p.parent()) out.add(p);
        return out;
    }

    public Module root() {
        Module m = this;
        while (m.parent() != null) m = m.parent();
        return m;
    }

    /** Chains are duplicated by structural copies, leaves (which own the weights) are shared. */
    public Module structuralCopy() {
        return this;
    }

    /** Drops compiled sessions of this layer and of every enclosing chain (their graphs embed this layer). */
    protected void invalidateCompiled() {
        for (Module m = this; m != null; m = m.parent()) m.closeCompiled();
    }

    /** Releases this layer's compiled sessions. */
    public synchronized void closeCompiled() {
        if (compiled != null) compiled.clear();
    }

    @Override
    protected Module clone() throws CloneNotSupportedException {
        Module m = (Module) super.clone();
        m.compiled = null;
        m.parent = null;
        return m;
    }

    // ---------------------------------------------------------------- running

    /** Compiles (once per structure, dtype and input signature) and runs; returns the single output. */
    public Tensor forward(Tensor... inputs) {
        return run(CompileOptions.defaults(), List.of(inputs)).output();
    }

    /** Like {@link #forward} for layers that return a tuple. */
    public List<Tensor> forwardAll(Tensor... inputs) {
        return run(CompileOptions.defaults(), List.of(inputs)).outputs();
    }

    /** Runs with explicit options (dtype, shape policy, taps on inner layers); returns outputs and taps. */
    public RunResult run(CompileOptions options, List<Tensor> inputs) {
        return run(options, inputs, Map.of());
    }

    /**
     * Runs with context values for this call only, on top of the model's own (set with setContext). Concurrent calls
     * with different contexts are safe: nothing is written to the model.
     */
    public RunResult run(CompileOptions options, List<Tensor> inputs, Map<String, Map<String, Object>> contexts) {
        CompiledCache c;
        synchronized (this) {
            if (compiled == null) compiled = new CompiledCache();
            c = compiled;
        }
        return c.run(this, options, inputs, contexts);
    }

    // ---------------------------------------------------------------- printing

    /** Adds the attributes refiners prints for this layer (constructor arguments that differ from their defaults). */
    protected void describe(Attributes attributes) {}

    /** The tag refiners prints before chain-like layers, e.g. "CHAIN", "RES"; empty for leaves. */
    protected String tag() {
        return "";
    }

    protected boolean showOnlyTag() {
        return false;
    }

    @Override
    public String toString() {
        Attributes a = new Attributes();
        describe(a);
        return className() + "(" + a + ")";
    }

    /** The tree printout, in refiners' style. */
    public String structure() {
        return ModuleTree.of(this).render();
    }

    // ---------------------------------------------------------------- compilation

    /**
     * Emits this layer's computation. {@code args} is the positional input tuple; the result is the output tuple (one
     * element for a plain tensor).
     */
    protected abstract List<Value> lower(Graph graph, List<Value> args);

    /** Compiler entry point (keeps {@link #lower} protected so layers only lower through a graph). */
    public static List<Value> lowerLayer(Module module, Graph graph, List<Value> args) {
        return module.lower(graph, args);
    }

    protected static Value single(Module m, List<Value> args) {
        if (args.size() != 1)
            throw new IllegalArgumentException((m == null ? "this layer" : m.className()) + " takes one input, got " + args.size());
        return args.get(0);
    }
}

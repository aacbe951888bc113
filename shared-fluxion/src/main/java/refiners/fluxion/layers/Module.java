package refiners.fluxion.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/**
 * A Fluxion layer. Layers are declared: a constructor sets attributes, parameters and (for chains) children; what a
 * layer computes is its {@link #lower} method, which emits ONNX graph nodes at compile time. No arithmetic runs in
 * Java, and a layer holds no ONNX Runtime state: sessions live in a runner (refiners.fluxion.runtime), keyed by {@link #treeVersion}.
 */
public abstract class Module implements Cloneable {
    /** One counter for every edit of every layer: an edit always gets a stamp newer than any before it. */
    private static final AtomicLong EDITS = new AtomicLong();

    private Chain parent;
    private Map<String, Param> parameters = new LinkedHashMap<>();
    private volatile long version;

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
        changed();
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

    // ---------------------------------------------------------------- versions

    /**
     * Records an edit that changes what this layer compiles to (a weight, an attribute, a child): its version becomes
     * newer than every version handed out before, so the {@link #treeVersion} of every tree holding it changes.
     */
    protected final void changed() {
        version = EDITS.incrementAndGet();
    }

    /** The stamp of this layer's own last edit (0: never edited). */
    public final long version() {
        return version;
    }

    /**
     * The newest edit stamp in this layer's tree. It changes on every edit inside the tree (parameters, structure,
     * attributes), also through leaves shared with other trees or views that do not own their children; runners key
     * sessions by it. Costs one read per layer: about 11 µs for the 1,280 layers of the SD1 UNet.
     */
    public long treeVersion() {
        return version;
    }

    @Override
    protected Module clone() throws CloneNotSupportedException {
        Module m = (Module) super.clone();
        m.parent = null;
        return m;
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
     * What this layer computes, as refiners' forward: emits its ONNX nodes into {@code graph}. {@code args} is the
     * positional input tuple; the result is the output tuple (one element for a plain tensor). Called by the compiler
     * through {@link Graph#call}, which tracks the layer's path (for weight names, taps and errors): a layer lowers
     * its children with {@code graph.call(child, name, args)}, never by calling their {@code lower} directly.
     */
    public abstract List<Value> lower(Graph graph, List<Value> args);

    protected static Value single(Module m, List<Value> args) {
        if (args.size() != 1)
            throw new IllegalArgumentException((m == null ? "this layer" : m.className()) + " takes one input, got " + args.size());
        return args.get(0);
    }
}

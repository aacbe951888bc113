package refiners.fluxion.compile;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.onnx.Onnx.AttributeProto;
import refiners.fluxion.compile.onnx.Onnx.GraphProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;
import refiners.fluxion.compile.onnx.Onnx.StringStringEntryProto;
import refiners.fluxion.compile.onnx.Onnx.TensorProto;
import refiners.fluxion.compile.onnx.Onnx.TensorShapeProto;
import refiners.fluxion.compile.onnx.Onnx.TypeProto;
import refiners.fluxion.compile.onnx.Onnx.ValueInfoProto;
import refiners.fluxion.layers.Module;

/**
 * The ONNX graph under construction while a layer tree lowers itself. Weights are declared as external initializers
 * named by their state-dict key and handed to ONNX Runtime separately (never serialized into the model), small
 * constants are embedded, context tensors become named inputs, and the layer path is tracked for names and errors.
 */
public final class Graph {
    /** Where a context tensor input comes from. */
    public record ContextFeed(String inputName, String context, String key) {}

    private final CompileOptions options;
    private final String device;
    private final Set<String> tapPaths = new HashSet<>();
    private final Contexts contexts;
    private final GraphProto.Builder proto = GraphProto.newBuilder().setName("fluxion");
    private final Map<String, Tensor> weights = new LinkedHashMap<>();
    private final IdentityHashMap<Tensor, Value> weightValues = new IdentityHashMap<>();
    private final IdentityHashMap<Tensor, Value> blockedValues = new IdentityHashMap<>();
    private final IdentityHashMap<Value, Value> nchwcTwins = new IdentityHashMap<>();
    private final IdentityHashMap<Tensor, Value[]> int8Values = new IdentityHashMap<>();
    private final Map<String, Value> constants = new HashMap<>();
    private final Map<String, Value> contextInputs = new LinkedHashMap<>();
    private final List<ContextFeed> contextFeeds = new ArrayList<>();
    private final Deque<String> path = new ArrayDeque<>();
    private final Map<String, Value> tapValues = new HashMap<>();
    private final Map<String, Integer> nameCounts = new HashMap<>();

    /** {@code options} with resolved taps (every tap has its path). */
    Graph(CompileOptions options, String device, Contexts contexts) {
        if (!"cpu".equals(device) && !"cuda".equals(device)) throw new IllegalArgumentException("device must be cpu or cuda, not " + device);
        if (options.quantization() == Quantization.INT8 && !"cpu".equals(device))
            throw new IllegalArgumentException("quantization INT8 runs on cpu only, not " + device);
        this.options = options;
        this.device = device;
        this.contexts = contexts;
        for (Tap t : options.taps()) tapPaths.add(t.path());
    }

    public CompileOptions options() { return options; }

    /**
     * The floating-point type computations run in. F16 compute needs a GPU: ONNX Runtime's CPU kernels are float32,
     * so on CPU an F16 model keeps its weights in float16 (half the memory) and computes in float32.
     */
    public DType computeType() {
        return options.dtype() == DType.F16 && device.equals("cuda") ? DType.F16 : DType.F32;
    }

    /** The floating-point type weights are stored in. */
    public DType storageType() { return options.dtype(); }

    public Contexts contexts() { return contexts; }

    /** The dotted path of the layer being lowered, as in state-dict keys. */
    public String path() {
        return String.join(".", path);
    }

    // ------------------------------------------------------------ layers

    /** Lowers a child layer under {@code name}: path tracking, taps, and errors that name the layer. */
    public List<Value> call(Module module, String name, List<Value> args) {
        if (name != null) path.addLast(name);
        try {
            List<Value> out = module.lower(this, args);
            if (!tapPaths.isEmpty() && tapPaths.contains(path())) {
                if (out.size() != 1) throw new CompileException("tap on " + path() + " (" + module.className() + ") which returns " + out.size() + " values");
                tapValues.put(path(), out.get(0));
            }
            return out;
        } catch (CompileException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CompileException("while compiling " + (path.isEmpty() ? module.className() : path()) + " (" + module + "): " + e.getMessage(), e);
        } finally {
            if (name != null) path.removeLast();
        }
    }

    /** Outputs of tapped layers, by path. */
    Map<String, Value> tapValues() {
        return tapValues;
    }

    // ------------------------------------------------------------ values

    String fresh(String base) {
        int n = nameCounts.merge(base, 1, Integer::sum);
        return n == 1 ? base : base + "_" + n;
    }

    Value input(String name, DType dtype, long[] shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int i = 0; i < shape.length; i++) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (shape[i] >= 0) d.setDimValue(shape[i]);
            else d.setDimParam(name + "_d" + i);
            s.addDim(d);
        }
        proto.addInput(ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(dtype.onnxCode).setShape(s))));
        nameCounts.merge(name, 1, Integer::sum);
        Value v = new Value(this, name, dtype, shape, null);
        return dtype.isFloatingPoint() ? v.cast(computeType()) : v;
    }

    void output(String name, Value v) {
        Value out = v.dtype().isFloatingPoint() && v.dtype() != DType.F32 ? v.cast(DType.F32) : v;
        proto.addNode(NodeProto.newBuilder().setOpType("Identity").addInput(out.name()).addOutput(name));
        proto.addOutput(ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(out.dtype().onnxCode))));
    }

    /**
     * A layer's parameter as an external initializer named by its state-dict key. The same tensor used twice is bound
     * once. Weights are converted to the compute dtype only when they differ (that conversion copies).
     */
    public Value weight(Module module, String parameter) {
        Tensor t = parameter(module, parameter);
        Value existing = weightValues.get(t);
        if (existing != null) return existing;
        DType dt = t.dtype().isFloatingPoint() ? storageType() : t.dtype();
        Value v = bind(path.isEmpty() ? parameter : path() + "." + parameter, t.to(dt));
        if (dt.isFloatingPoint()) v = v.cast(computeType());
        weightValues.put(t, v);
        return v;
    }

    /**
     * A convolution weight in ONNX Runtime's NCHWc blocked layout (see NchwcWeights), or null when it cannot be
     * served that way without a copy in memory: not float32, not read from a file, channels not multiples of block,
     * or no writable cache.
     */
    public Value blockedConvWeight(Module module, String parameter, int block) {
        Tensor t = parameter(module, parameter);
        if (storageType() != DType.F32 || !NchwcWeights.supports(t, block)) return null;
        Value known = blockedValues.get(t);
        if (known != null) return known;
        Tensor blocked = NchwcWeights.blocked(t, block);
        if (blocked == null) return null;
        Value v = bind((path.isEmpty() ? parameter : path() + "." + parameter) + ".nchwc" + block, blocked);
        blockedValues.put(t, v);
        return v;
    }

    /**
     * A layer's float weight quantized to int8 (see Int8Weights: for ConvInteger when {@code conv}, else for
     * DynamicQuantizeMatMul): {values, per-channel scales}, bound once per tensor; mapped from the int8 file beside
     * the weights when `convert --quantize int8` wrote one (Int8WeightsFile), else computed into memory.
     */
    Value[] int8Weight(Module module, String parameter, boolean conv) {
        Tensor t = parameter(module, parameter);
        Value[] known = int8Values.get(t);
        if (known != null) return known;
        Int8Weights q;
        try {
            q = Int8WeightsFile.mapped(t, conv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (q == null) q = Int8Weights.of(t, conv);
        String key = path.isEmpty() ? parameter : path() + "." + parameter;
        Value[] v = {bind(key + ".int8", q.values()), bind(key + ".int8_scale", q.scales())};
        int8Values.put(t, v);
        return v;
    }

    private Tensor parameter(Module module, String parameter) {
        Tensor t = module.parameter(parameter);
        if (t == null) throw new CompileException("parameter " + (path.isEmpty() ? parameter : path() + "." + parameter) + " has no value: load weights first (loadStateDict)");
        return t;
    }

    /**
     * Declares {@code bound} as an external initializer named after {@code key}. The data is bound at session
     * creation (addInitializer). When the bytes also sit in a file, the declaration points there, so optimizers that
     * must read a weight (if enabled) can; otherwise it names no real file.
     */
    private Value bind(String key, Tensor bound) {
        String name = fresh(key);
        weights.put(name, bound);
        Tensor.Origin origin = bound.origin();
        TensorProto.Builder init = TensorProto.newBuilder().setName(name).setDataType(bound.dtype().onnxCode)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(origin != null ? origin.file().toString() : "fluxion-weights.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(origin != null ? origin.offset() : 0)))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(Long.toString(bound.byteSize())));
        for (long d : bound.shape()) init.addDims(d);
        proto.addInitializer(init);
        return new Value(this, name, bound.dtype(), bound.shape(), null);
    }

    /** The NCHWc-blocked twin of a value (the tensor a ReorderOutput made it from), or null. */
    public Value nchwcTwin(Value v) {
        return nchwcTwins.get(v);
    }

    /** Records that {@code plain} is {@code blocked} reordered back to NCHW, so a later NCHWc consumer skips the round trip. */
    public void setNchwcTwin(Value plain, Value blocked) {
        nchwcTwins.put(plain, blocked);
    }

    /** A context tensor, fed at run time through an input named "context.key". */
    public Value contextInput(String context, String key, Tensor t) {
        String name = context + "." + key;
        Value v = contextInputs.get(name);
        if (v == null) {
            v = input(name, t.dtype(), options.contextShape(context, t.shape()));
            contextInputs.put(name, v);
            contextFeeds.add(new ContextFeed(name, context, key));
        }
        return v;
    }

    List<ContextFeed> contextFeeds() {
        return contextFeeds;
    }

    /** An embedded constant (for small tensors: shapes, scalars, masks). */
    public Value constant(Tensor t) {
        String name = fresh("const");
        TensorProto.Builder init = TensorProto.newBuilder().setName(name).setDataType(t.dtype().onnxCode)
                .setRawData(ByteString.copyFrom(t.data()));
        for (long d : t.shape()) init.addDims(d);
        proto.addInitializer(init);
        long[] known = t.dtype() == DType.I64 && t.numel() <= 64 ? t.toLongArray() : null;
        return new Value(this, name, t.dtype(), t.shape(), known);
    }

    /** A 1-D int64 constant (shared when repeated). */
    public Value constLongs(long... values) {
        return constants.computeIfAbsent("i64" + Arrays.toString(values),
                k -> constant(Tensor.ofLongs(new long[] {values.length}, values)));
    }

    /** A scalar constant of the given floating type (shared when repeated). */
    public Value scalar(double v, DType dtype) {
        return constants.computeIfAbsent(dtype + ":" + Double.doubleToLongBits(v), k -> {
            Tensor t = Tensor.ofDoubles(new long[0], v).to(dtype);
            return constant(t);
        });
    }

    // ------------------------------------------------------------ nodes

    public Value node(String op, List<Value> inputs, List<AttributeProto> attrs, DType outType, long[] outShape) {
        return node(op, "", inputs, attrs, outType, outShape);
    }

    public Value node(String op, String domain, List<Value> inputs, List<AttributeProto> attrs, DType outType, long[] outShape) {
        return nodeN(op, domain, inputs, attrs, outType, new long[][] {outShape}).get(0);
    }

    public List<Value> nodeN(String op, List<Value> inputs, List<AttributeProto> attrs, DType outType, long[][] outShapes) {
        return nodeN(op, "", inputs, attrs, outType, outShapes);
    }

    public List<Value> nodeN(String op, String domain, List<Value> inputs, List<AttributeProto> attrs, DType outType, long[][] outShapes) {
        String base = (path.isEmpty() ? "" : path() + "/") + op;
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(fresh(base));
        if (!domain.isEmpty()) n.setDomain(domain);
        for (Value v : inputs) n.addInput(v == null ? "" : v.name());
        n.addAllAttribute(attrs);
        List<Value> outs = new ArrayList<>();
        for (long[] s : outShapes) {
            String name = fresh(base + ":out");
            n.addOutput(name);
            outs.add(new Value(this, name, outType, s, null));
        }
        proto.addNode(n);
        return outs;
    }

    // ------------------------------------------------------------ result

    GraphProto.Builder proto() {
        return proto;
    }

    /**
     * Drops embedded constants no node reads (shape arithmetic that resolved at compile time leaves some behind),
     * which ONNX Runtime would otherwise warn about one by one. Weights are left alone: they are all bound.
     */
    void pruneUnusedConstants() {
        pruneDeadNodes();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (NodeProto n : proto.getNodeList()) used.addAll(n.getInputList());
        for (int i = proto.getInitializerCount() - 1; i >= 0; i--) {
            TensorProto init = proto.getInitializer(i);
            if (init.getDataLocation() != TensorProto.DataLocation.EXTERNAL && !used.contains(init.getName())) proto.removeInitializer(i);
        }
    }

    /**
     * Drops nodes whose outputs nothing reads (ONNX operators have no side effects), e.g. a ReorderOutput whose
     * NCHWc input went straight to the next convolution; weights only such nodes read go with them.
     */
    private void pruneDeadNodes() {
        java.util.Set<String> live = new java.util.HashSet<>();
        for (ValueInfoProto o : proto.getOutputList()) live.add(o.getName());
        List<NodeProto> kept = new ArrayList<>();
        List<NodeProto> nodes = proto.getNodeList();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            NodeProto n = nodes.get(i);
            if (n.getOutputList().stream().noneMatch(live::contains)) continue;
            live.addAll(n.getInputList());
            kept.add(n);
        }
        if (kept.size() == nodes.size()) return;
        java.util.Collections.reverse(kept);
        proto.clearNode().addAllNode(kept);
        for (int i = proto.getInitializerCount() - 1; i >= 0; i--) {
            String name = proto.getInitializer(i).getName();
            if (!live.contains(name) && weights.remove(name) != null) proto.removeInitializer(i);
        }
    }

    Map<String, Tensor> weights() {
        return weights;
    }
}

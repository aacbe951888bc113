package refiners.fluxion.autodiff;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.onnx.Onnx.AttributeProto;
import refiners.fluxion.compile.onnx.Onnx.GraphProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;
import refiners.fluxion.compile.onnx.Onnx.TensorProto;

/**
 * Appends nodes to an ONNX graph by value name, keeping the shape and type of every value it knows (inferred for each
 * node added), so the vector-Jacobian rules can read like the math they implement.
 */
public final class GraphWriter {
    private final GraphProto.Builder graph;
    private final Map<String, TensorInfo> infos;
    private final String prefix;
    private final Map<String, String> constants = new HashMap<>();
    private int counter;

    GraphWriter(GraphProto.Builder graph, Map<String, TensorInfo> infos, String prefix) {
        this.graph = graph;
        this.infos = infos;
        this.prefix = prefix;
    }

    /** A writer over a graph, with the infos of its inputs, initializers and existing nodes inferred. */
    public static GraphWriter over(GraphProto.Builder graph, String prefix) {
        Map<String, TensorInfo> infos = new HashMap<>();
        for (var in : graph.getInputList()) {
            var t = in.getType().getTensorType();
            long[] s = new long[t.getShape().getDimCount()];
            for (int i = 0; i < s.length; i++) {
                var d = t.getShape().getDim(i);
                s[i] = d.hasDimValue() ? d.getDimValue() : -1;
            }
            infos.put(in.getName(), new TensorInfo(t.getElemType(), s));
        }
        for (TensorProto init : graph.getInitializerList()) infos.put(init.getName(), ShapeInference.ofTensor(init));
        GraphWriter w = new GraphWriter(graph, infos, prefix);
        for (NodeProto n : graph.getNodeList()) w.record(n);
        for (var out : graph.getOutputList()) { // declared shapes stand in where inference could not follow (unknown ops)
            var t = out.getType().getTensorType();
            if (infos.containsKey(out.getName()) || !t.hasShape() || t.getShape().getDimList().stream().anyMatch(d -> !d.hasDimValue())) continue;
            infos.put(out.getName(), new TensorInfo(t.getElemType(), t.getShape().getDimList().stream().mapToLong(d -> d.getDimValue()).toArray()));
        }
        return w;
    }

    /** Declares a new graph input. */
    public String addInput(String name, TensorInfo info) {
        graph.addInput(ReverseMode.valueInfo(name, info));
        infos.put(name, info);
        return name;
    }

    public GraphProto.Builder graph() {
        return graph;
    }

    /** The known info of a value; an error naming it when shape inference could not follow the graph there. */
    public TensorInfo info(String name) {
        TensorInfo t = infos.get(name);
        if (t == null) throw new IllegalArgumentException("no static shape is known for value '" + name + "'");
        for (long d : t.shape()) if (d < 0) throw new IllegalArgumentException("value '" + name + "' has a dynamic shape " + Arrays.toString(t.shape()) + ": differentiation needs static shapes (compile with ShapePolicy.STATIC)");
        return t;
    }

    TensorInfo infoOrNull(String name) {
        return infos.get(name);
    }

    public long[] shape(String name) {
        return info(name).shape();
    }

    public int type(String name) {
        return info(name).elemType();
    }

    private void record(NodeProto n) {
        List<TensorInfo> outs = ShapeInference.infer(n, infos::get);
        if (outs == null) return;
        for (int i = 0; i < n.getOutputCount() && i < outs.size(); i++)
            if (!n.getOutput(i).isEmpty() && outs.get(i) != null) infos.put(n.getOutput(i), outs.get(i));
    }

    // ------------------------------------------------------------ nodes

    public List<String> nodeN(String op, String domain, List<String> inputs, int outputs, AttributeProto... attrs) {
        String base = prefix + "/" + op + "_" + (counter++);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(base);
        if (!domain.isEmpty()) n.setDomain(domain);
        for (String in : inputs) n.addInput(in == null ? "" : in);
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            String name = base + ":" + i;
            n.addOutput(name);
            outs.add(name);
        }
        n.addAllAttribute(Arrays.asList(attrs));
        NodeProto built = n.build();
        graph.addNode(built);
        record(built);
        return outs;
    }

    public String node(String op, List<String> inputs, AttributeProto... attrs) {
        return nodeN(op, "", inputs, 1, attrs).get(0);
    }

    public String contrib(String op, List<String> inputs, AttributeProto... attrs) {
        return nodeN(op, "com.microsoft", inputs, 1, attrs).get(0);
    }

    // ------------------------------------------------------------ constants

    private String constant(String key, int type, long[] dims, byte[] raw) {
        return constants.computeIfAbsent(key, k -> {
            String name = prefix + "/const_" + (counter++);
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type).setRawData(ByteString.copyFrom(raw));
            for (long d : dims) t.addDims(d);
            TensorProto built = t.build();
            graph.addInitializer(built);
            infos.put(name, ShapeInference.ofTensor(built));
            return name;
        });
    }

    /** A 1-D int64 constant. */
    public String longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) b.putLong(x);
        return constant("i64" + Arrays.toString(v), TensorInfo.INT64, new long[] {v.length}, b.array());
    }

    /** A scalar (rank 0) int64 constant. */
    public String longScalar(long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        return constant("i64s" + v, TensorInfo.INT64, new long[0], b.array());
    }

    /** A scalar (rank 0) constant of a floating-point element type. */
    public String scalar(double v, int type) {
        byte[] raw = switch (type) {
            case TensorInfo.FLOAT -> ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat((float) v).array();
            case TensorInfo.DOUBLE -> ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(v).array();
            case TensorInfo.FLOAT16 -> ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(refiners.fluxion.Half.fromFloat((float) v)).array();
            default -> throw new IllegalArgumentException("no floating-point scalar of ONNX type " + type);
        };
        return constant("f" + type + ":" + Double.doubleToLongBits(v), type, new long[0], raw);
    }

    /** Zeros of the given shape and type (a ConstantOfShape node: no data in the model). */
    public String zeros(long[] shape, int type) {
        TensorProto.Builder value = TensorProto.newBuilder().setDataType(type).addDims(1);
        value.setRawData(ByteString.copyFrom(new byte[type == TensorInfo.DOUBLE ? 8 : type == TensorInfo.FLOAT16 ? 2 : 4]));
        return node("ConstantOfShape", List.of(longs(shape)),
                AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(value).build());
    }

    // ------------------------------------------------------------ math

    public String add(String a, String b) { return node("Add", List.of(a, b)); }
    public String sub(String a, String b) { return node("Sub", List.of(a, b)); }
    public String mul(String a, String b) { return node("Mul", List.of(a, b)); }
    public String div(String a, String b) { return node("Div", List.of(a, b)); }
    public String neg(String a) { return node("Neg", List.of(a)); }

    public String mul(String a, double v) { return v == 1 ? a : mul(a, scalar(v, type(a))); }

    /** Sum of several values (one node whatever their number). */
    public String sum(List<String> values) {
        return values.size() == 1 ? values.get(0) : node("Sum", values);
    }

    public String reduceSum(String x, long[] axes, boolean keepDims) {
        if (axes.length == 0) return x;
        return node("ReduceSum", List.of(x, longs(axes)), Attr.i("keepdims", keepDims ? 1 : 0));
    }

    public String reduceMean(String x, long[] axes, boolean keepDims) {
        if (axes.length == 0) return x;
        return node("ReduceMean", List.of(x, longs(axes)), Attr.i("keepdims", keepDims ? 1 : 0));
    }

    public String reshape(String x, long... shape) {
        if (Arrays.equals(shape(x), shape)) return x;
        return node("Reshape", List.of(x, longs(shape)));
    }

    public String transpose(String x, long... perm) {
        boolean identity = true;
        for (int i = 0; i < perm.length; i++) identity &= perm[i] == i;
        return identity ? x : node("Transpose", List.of(x), Attr.ints("perm", perm));
    }

    /** Swaps the last two dimensions. */
    public String transposeLast(String x) {
        int r = shape(x).length;
        long[] perm = new long[r];
        for (int i = 0; i < r; i++) perm[i] = i;
        perm[r - 2] = r - 1;
        perm[r - 1] = r - 2;
        return transpose(x, perm);
    }

    public String cast(String x, int type) {
        return type(x) == type ? x : node("Cast", List.of(x), Attr.i("to", type));
    }

    /** Sums a broadcast gradient back to an operand's shape. */
    public String sumTo(String g, long[] target) {
        long[] s = shape(g);
        if (Arrays.equals(s, target)) return g;
        int lead = s.length - target.length;
        List<Long> axes = new ArrayList<>();
        for (int i = 0; i < s.length; i++) if (i < lead || (target[i - lead] == 1 && s[i] != 1)) axes.add((long) i);
        String r = reduceSum(g, axes.stream().mapToLong(Long::longValue).toArray(), true);
        return reshape(r, target);
    }

    /**
     * alpha * op(a) @ op(b), op transposing the last two dimensions when asked: FusedMatMul for float (no transposed
     * copy of a weight is made), explicit transposes elsewhere (ONNX Runtime's FusedMatMul is float-only).
     */
    public String matmul(String a, String b, boolean transA, boolean transB, double alpha) {
        if (!transA && !transB && alpha == 1) return node("MatMul", List.of(a, b));
        if (type(a) == TensorInfo.FLOAT)
            return contrib("FusedMatMul", List.of(a, b), Attr.i("transA", transA ? 1 : 0), Attr.i("transB", transB ? 1 : 0), Attr.f("alpha", alpha));
        String y = node("MatMul", List.of(transA ? transposeLast(a) : a, transB ? transposeLast(b) : b));
        return mul(y, alpha);
    }
}

package refiners.fluxion.autodiff;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import refiners.fluxion.compile.Value;
import refiners.fluxion.compile.onnx.Onnx.AttributeProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;
import refiners.fluxion.compile.onnx.Onnx.TensorProto;

/**
 * Static shapes and element types of node outputs, for the ops the compiler and the vector-Jacobian rules emit, with
 * small int64 computations (shapes, axes) folded to constants. An op it does not know yields unknown outputs (null):
 * that is only an error when a rule needs them.
 */
final class ShapeInference {
    private ShapeInference() {}

    /** The infos of the node's outputs, or null when the op (or an input) is unknown. */
    static List<TensorInfo> infer(NodeProto n, Function<String, TensorInfo> values) {
        List<TensorInfo> in = new ArrayList<>();
        for (int i = 0; i < n.getInputCount(); i++) in.add(n.getInput(i).isEmpty() ? null : values.apply(n.getInput(i)));
        for (int i = 0; i < in.size(); i++) if (in.get(i) == null && !n.getInput(i).isEmpty()) return null;
        try {
            return infer(n, in);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("shape inference failed at " + NodeAttrs.describe(n) + ": " + e.getMessage(), e);
        }
    }

    private static List<TensorInfo> infer(NodeProto n, List<TensorInfo> in) {
        TensorInfo x = in.isEmpty() ? null : in.get(0);
        String op = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx") ? n.getOpType() : n.getDomain() + ":" + n.getOpType();
        return switch (op) {
            case "Identity" -> List.of(x);
            case "Neg", "Sqrt", "Exp", "Log", "Tanh", "Sigmoid", "Relu", "Erf", "Sin", "Cos", "Abs", "Reciprocal", "Gelu", "Softmax",
                    "LogSoftmax", "Trilu", "GroupNormalization", "InstanceNormalization", "Floor", "Ceil", "Round", "Sign" -> List.of(x.withShape(x.shape()));
            case "LayerNormalization" -> {
                int axis = axis(NodeAttrs.i(n, "axis", -1), x.rank());
                long[] reduced = x.shape();
                for (int i = axis; i < reduced.length; i++) reduced[i] = 1;
                int statType = (int) NodeAttrs.i(n, "stash_type", TensorInfo.FLOAT);
                List<TensorInfo> outs = new ArrayList<>(List.of(x.withShape(x.shape())));
                for (int i = 1; i < n.getOutputCount(); i++) outs.add(new TensorInfo(statType, reduced));
                yield outs;
            }
            case "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum" -> List.of(elementwise(op, in));
            case "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual" ->
                    List.of(new TensorInfo(TensorInfo.BOOL, Value.broadcast(in.get(0).shape(), in.get(1).shape())));
            case "Where" -> List.of(new TensorInfo(in.get(1).elemType(), Value.broadcast(Value.broadcast(in.get(0).shape(), in.get(1).shape()), in.get(2).shape())));
            case "Cast" -> List.of(new TensorInfo((int) NodeAttrs.i(n, "to", 0), x.shape(), x.constant()));
            case "MatMul" -> List.of(x.withShape(matmul(x.shape(), in.get(1).shape(), false, false)));
            case "com.microsoft:FusedMatMul" -> {
                if (NodeAttrs.i(n, "transBatchA", 0) != 0 || NodeAttrs.i(n, "transBatchB", 0) != 0) yield null;
                yield List.of(x.withShape(matmul(x.shape(), in.get(1).shape(), NodeAttrs.i(n, "transA", 0) != 0, NodeAttrs.i(n, "transB", 0) != 0)));
            }
            case "Gemm" -> {
                long[] a = x.shape(), b = in.get(1).shape();
                long m = NodeAttrs.i(n, "transA", 0) != 0 ? a[1] : a[0];
                long k = NodeAttrs.i(n, "transB", 0) != 0 ? b[0] : b[1];
                yield List.of(x.withShape(m, k));
            }
            case "Conv" -> List.of(x.withShape(conv(n, x.shape(), in.get(1).shape())));
            case "ConvTranspose" -> List.of(x.withShape(convTranspose(n, x.shape(), in.get(1).shape())));
            case "Reshape" -> List.of(new TensorInfo(x.elemType(), reshape(x.shape(), known(in, 1, "shape"), NodeAttrs.i(n, "allowzero", 0) != 0), x.constant()));
            case "Flatten" -> {
                int a = axis(NodeAttrs.i(n, "axis", 1), x.rank());
                long outer = 1, inner = 1;
                for (int i = 0; i < x.rank(); i++) if (i < a) outer *= x.shape()[i]; else inner *= x.shape()[i];
                yield List.of(x.withShape(outer, inner));
            }
            case "Transpose" -> {
                long[] perm = NodeAttrs.ints(n, "perm");
                long[] s = x.shape(), out = new long[s.length];
                for (int i = 0; i < s.length; i++) out[i] = s[perm == null ? s.length - 1 - i : (int) perm[i]];
                yield List.of(x.withShape(out));
            }
            case "Squeeze" -> {
                long[] s = x.shape();
                long[] axes = in.size() > 1 && in.get(1) != null ? known(in, 1, "axes") : null;
                boolean[] drop = new boolean[s.length];
                if (axes == null) for (int i = 0; i < s.length; i++) drop[i] = s[i] == 1;
                else for (long a : axes) drop[axis(a, s.length)] = true;
                List<Long> out = new ArrayList<>();
                for (int i = 0; i < s.length; i++) if (!drop[i]) out.add(s[i]);
                yield List.of(new TensorInfo(x.elemType(), out.stream().mapToLong(Long::longValue).toArray(), x.constant()));
            }
            case "Unsqueeze" -> {
                long[] axes = known(in, 1, "axes");
                int r = x.rank() + axes.length;
                boolean[] ins = new boolean[r];
                for (long a : axes) ins[axis(a, r)] = true;
                long[] out = new long[r];
                for (int i = 0, j = 0; i < r; i++) out[i] = ins[i] ? 1 : x.shape()[j++];
                yield List.of(new TensorInfo(x.elemType(), out, x.constant()));
            }
            case "Expand" -> List.of(x.withShape(Value.broadcast(x.shape(), known(in, 1, "shape"))));
            case "Concat" -> {
                int a = axis(NodeAttrs.i(n, "axis", 0), x.rank());
                long[] out = x.shape();
                out[a] = 0;
                List<Long> content = new ArrayList<>();
                for (TensorInfo t : in) {
                    out[a] += t.shape()[a];
                    if (content != null && t.constant() != null && t.rank() == 1) for (long v : t.constant()) content.add(v);
                    else content = null;
                }
                yield List.of(new TensorInfo(x.elemType(), out, content == null ? null : content.stream().mapToLong(Long::longValue).toArray()));
            }
            case "Split" -> {
                int a = axis(NodeAttrs.i(n, "axis", 0), x.rank());
                int parts = n.getOutputCount();
                long[] sizes = in.size() > 1 && in.get(1) != null ? known(in, 1, "split") : null;
                List<TensorInfo> outs = new ArrayList<>();
                long total = x.shape()[a], chunk = (total + parts - 1) / parts;
                for (int i = 0; i < parts; i++) {
                    long[] s = x.shape();
                    s[a] = sizes != null ? sizes[i] : Math.min(chunk, total - i * chunk);
                    outs.add(x.withShape(s));
                }
                yield outs;
            }
            case "Slice" -> List.of(slice(x, in));
            case "Pad" -> {
                long[] pads = known(in, 1, "pads");
                long[] s = x.shape();
                long[] axes = in.size() > 3 && in.get(3) != null ? known(in, 3, "axes") : null;
                int k = axes == null ? s.length : axes.length;
                for (int i = 0; i < k; i++) {
                    int a = axes == null ? i : axis(axes[i], s.length);
                    s[a] += pads[i] + pads[i + k];
                }
                yield List.of(x.withShape(s));
            }
            case "Resize" -> {
                long[] s = x.shape();
                if (in.size() > 3 && in.get(3) != null) s = known(in, 3, "sizes");
                else throw new IllegalArgumentException("Resize with scales instead of sizes");
                yield List.of(x.withShape(s));
            }
            case "Gather" -> {
                TensorInfo idx = in.get(1);
                int a = axis(NodeAttrs.i(n, "axis", 0), x.rank());
                long[] s = x.shape();
                long[] out = new long[s.length - 1 + idx.rank()];
                int k = 0;
                for (int i = 0; i < a; i++) out[k++] = s[i];
                for (long d : idx.shape()) out[k++] = d;
                for (int i = a + 1; i < s.length; i++) out[k++] = s[i];
                long[] content = null;
                if (x.constant() != null && idx.constant() != null && x.rank() == 1) {
                    content = new long[idx.constant().length];
                    for (int i = 0; i < content.length; i++) content[i] = x.constant()[(int) Math.floorMod(idx.constant()[i], s[0])];
                }
                yield List.of(new TensorInfo(x.elemType(), out, content));
            }
            case "Shape" -> {
                long[] s = x.shape();
                int start = (int) NodeAttrs.i(n, "start", 0), end = (int) NodeAttrs.i(n, "end", s.length);
                if (start < 0) start += s.length;
                if (end < 0) end += s.length;
                start = Math.max(0, Math.min(start, s.length));
                end = Math.max(start, Math.min(end, s.length));
                long[] v = Arrays.copyOfRange(s, start, end);
                yield List.of(new TensorInfo(TensorInfo.INT64, new long[] {v.length}, v));
            }
            case "ConstantOfShape" -> {
                AttributeProto value = NodeAttrs.find(n, "value");
                int type = value == null ? TensorInfo.FLOAT : value.getT().getDataType();
                yield List.of(new TensorInfo(type, known(in, 0, "shape")));
            }
            case "Constant" -> {
                AttributeProto value = NodeAttrs.find(n, "value");
                if (value == null) yield null;
                yield List.of(ofTensor(value.getT()));
            }
            case "ReduceSum", "ReduceMean", "ReduceMax" -> {
                long[] s = x.shape();
                long[] axes = in.size() > 1 && in.get(1) != null ? known(in, 1, "axes") : NodeAttrs.ints(n, "axes");
                boolean keep = NodeAttrs.i(n, "keepdims", 1) != 0;
                boolean[] red = new boolean[s.length];
                if (axes == null || axes.length == 0) {
                    if (NodeAttrs.i(n, "noop_with_empty_axes", 0) != 0) yield List.of(x);
                    Arrays.fill(red, true);
                } else for (long a : axes) red[axis(a, s.length)] = true;
                List<Long> out = new ArrayList<>();
                for (int i = 0; i < s.length; i++) if (!red[i]) out.add(s[i]); else if (keep) out.add(1L);
                yield List.of(x.withShape(out.stream().mapToLong(Long::longValue).toArray()));
            }
            default -> null;
        };
    }

    // ------------------------------------------------------------ helpers

    static int axis(long a, int rank) {
        long r = a < 0 ? a + rank : a;
        if (r < 0 || r >= rank) throw new IllegalArgumentException("axis " + a + " out of range for rank " + rank);
        return (int) r;
    }

    private static long[] known(List<TensorInfo> in, int i, String what) {
        TensorInfo t = i < in.size() ? in.get(i) : null;
        if (t == null || t.constant() == null) throw new IllegalArgumentException("input '" + what + "' is not a compile-time constant");
        return t.constant();
    }

    private static TensorInfo elementwise(String op, List<TensorInfo> in) {
        long[] s = in.get(0).shape();
        for (int i = 1; i < in.size(); i++) s = Value.broadcast(s, in.get(i).shape());
        long[] content = null;
        if (in.size() == 2 && in.get(0).constant() != null && in.get(1).constant() != null && s.length <= 1) {
            long[] a = in.get(0).constant(), b = in.get(1).constant();
            content = new long[Math.max(a.length, b.length)];
            for (int i = 0; i < content.length; i++) {
                long x = a[a.length == 1 ? 0 : i], y = b[b.length == 1 ? 0 : i];
                content[i] = switch (op) {
                    case "Add" -> x + y;
                    case "Sub" -> x - y;
                    case "Mul" -> x * y;
                    case "Div" -> x / y;
                    case "Max" -> Math.max(x, y);
                    case "Min" -> Math.min(x, y);
                    default -> 0;
                };
            }
            if (op.equals("Pow") || op.equals("Sum")) content = null;
        }
        return new TensorInfo(in.get(0).elemType(), s, content);
    }

    static long[] matmul(long[] a, long[] b, boolean transA, boolean transB) {
        if (a.length < 2 || b.length < 2) throw new IllegalArgumentException("matrix products of rank < 2 are not supported");
        long m = a[a.length - (transA ? 1 : 2)], ka = a[a.length - (transA ? 2 : 1)];
        long kb = b[b.length - (transB ? 1 : 2)], nn = b[b.length - (transB ? 2 : 1)];
        if (ka != kb) throw new IllegalArgumentException("inner dimensions differ: " + Arrays.toString(a) + " x " + Arrays.toString(b));
        long[] batch = Value.broadcast(Arrays.copyOf(a, a.length - 2), Arrays.copyOf(b, b.length - 2));
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = nn;
        return out;
    }

    private static long[] conv(NodeProto n, long[] x, long[] w) {
        int sp = x.length - 2;
        long[] strides = orOnes(NodeAttrs.ints(n, "strides"), sp), dil = orOnes(NodeAttrs.ints(n, "dilations"), sp);
        long[] pads = NodeAttrs.ints(n, "pads");
        if (pads == null) pads = new long[2 * sp];
        checkAutoPad(n);
        long[] out = new long[x.length];
        out[0] = x[0];
        out[1] = w[0];
        for (int i = 0; i < sp; i++) out[i + 2] = (x[i + 2] + pads[i] + pads[i + sp] - dil[i] * (w[i + 2] - 1) - 1) / strides[i] + 1;
        return out;
    }

    private static long[] convTranspose(NodeProto n, long[] x, long[] w) {
        int sp = x.length - 2;
        long[] strides = orOnes(NodeAttrs.ints(n, "strides"), sp), dil = orOnes(NodeAttrs.ints(n, "dilations"), sp);
        long[] pads = NodeAttrs.ints(n, "pads"), outPad = NodeAttrs.ints(n, "output_padding");
        if (pads == null) pads = new long[2 * sp];
        if (outPad == null) outPad = new long[sp];
        checkAutoPad(n);
        long[] out = new long[x.length];
        out[0] = x[0];
        out[1] = w[1] * NodeAttrs.i(n, "group", 1);
        for (int i = 0; i < sp; i++)
            out[i + 2] = strides[i] * (x[i + 2] - 1) + outPad[i] + (w[i + 2] - 1) * dil[i] + 1 - pads[i] - pads[i + sp];
        return out;
    }

    private static void checkAutoPad(NodeProto n) {
        String autoPad = NodeAttrs.s(n, "auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET")) throw new IllegalArgumentException("auto_pad " + autoPad + " is not supported (explicit pads only)");
    }

    static long[] orOnes(long[] v, int n) {
        if (v != null) return v;
        long[] o = new long[n];
        Arrays.fill(o, 1);
        return o;
    }

    private static long[] reshape(long[] in, long[] target, boolean allowZero) {
        long[] out = target.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && !allowZero) out[i] = in[i];
            if (out[i] == -1) infer = i;
            else known *= out[i];
        }
        if (infer >= 0) {
            long total = 1;
            for (long d : in) total *= d;
            out[infer] = known == 0 ? 0 : total / known;
        }
        return out;
    }

    private static TensorInfo slice(TensorInfo x, List<TensorInfo> in) {
        long[] s = x.shape();
        long[] starts = known(in, 1, "starts"), ends = known(in, 2, "ends");
        long[] axes = in.size() > 3 && in.get(3) != null ? known(in, 3, "axes") : null;
        long[] steps = in.size() > 4 && in.get(4) != null ? known(in, 4, "steps") : null;
        long[] out = s.clone();
        long[][] ranges = new long[s.length][];
        for (int i = 0; i < starts.length; i++) {
            int a = axes == null ? i : axis(axes[i], s.length);
            long step = steps == null ? 1 : steps[i];
            long[] r = sliceRange(starts[i], ends[i], step, s[a]);
            out[a] = step > 0 ? Math.max(0, (r[1] - r[0] + step - 1) / step) : Math.max(0, (r[0] - r[1] - step - 1) / -step);
            ranges[a] = new long[] {r[0], r[1], step};
        }
        long[] content = null;
        if (x.constant() != null && s.length == 1 && ranges[0] != null) {
            List<Long> c = new ArrayList<>();
            long[] r = ranges[0];
            for (long i = r[0]; r[2] > 0 ? i < r[1] : i > r[1]; i += r[2]) c.add(x.constant()[(int) i]);
            content = c.stream().mapToLong(Long::longValue).toArray();
        }
        return new TensorInfo(x.elemType(), out, content);
    }

    /** ONNX Slice's clamping of start and end for a dimension of size n: {start, end}. */
    static long[] sliceRange(long start, long end, long step, long n) {
        if (start < 0) start += n;
        if (end < 0) end += n;
        if (step > 0) {
            start = Math.max(0, Math.min(start, n));
            end = Math.max(0, Math.min(end, n));
        } else {
            start = Math.max(0, Math.min(start, n - 1));
            end = Math.max(-1, Math.min(end, n - 1));
        }
        return new long[] {start, end};
    }

    /** The info of an initializer or Constant value; int64 content is read when small. */
    static TensorInfo ofTensor(TensorProto t) {
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long[] content = null;
        long numel = 1;
        for (long d : dims) numel *= d;
        if (t.getDataType() == TensorInfo.INT64 && numel <= 4096 && t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
            if (!t.getRawData().isEmpty()) {
                ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                content = new long[(int) numel];
                for (int i = 0; i < content.length; i++) content[i] = b.getLong(8 * i);
            } else {
                content = t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
            }
        }
        return new TensorInfo(t.getDataType(), dims, content);
    }
}

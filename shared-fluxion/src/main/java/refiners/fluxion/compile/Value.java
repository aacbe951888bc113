package refiners.fluxion.compile;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import refiners.fluxion.DType;

/**
 * A tensor flowing through a graph being compiled: a name in the ONNX graph, its element type and shape (-1 marks a
 * dimension known only at run time). The fluent operations emit ONNX nodes and infer the output shape, so a layer's
 * lowering reads like the math it stands for. Small int64 values known at compile time (shapes) are folded.
 */
public final class Value {
    private final Graph graph;
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final long[] known; // compile-time content of small int64 tensors, else null

    Value(Graph graph, String name, DType dtype, long[] shape, long[] known) {
        this.graph = graph;
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.known = known == null ? null : known.clone();
    }

    public Graph graph() { return graph; }
    public String name() { return name; }
    public DType dtype() { return dtype; }
    public long[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public long[] known() { return known == null ? null : known.clone(); }

    /** Size of dimension i (negative i counts from the end); -1 when only known at run time. */
    public long dim(int i) {
        return shape[axis(i)];
    }

    public boolean isStatic() {
        for (long d : shape) if (d < 0) return false;
        return true;
    }

    int axis(int i) {
        int a = i < 0 ? shape.length + i : i;
        if (a < 0 || a >= shape.length) throw new IllegalArgumentException("axis " + i + " out of range for rank " + shape.length);
        return a;
    }

    // ------------------------------------------------------------ elementwise

    public Value add(Value o) { return binary("Add", o); }
    public Value sub(Value o) { return binary("Sub", o); }
    public Value mul(Value o) { return binary("Mul", o); }
    public Value div(Value o) { return binary("Div", o); }

    public Value add(double v) { return add(graph.scalar(v, dtype)); }
    public Value sub(double v) { return sub(graph.scalar(v, dtype)); }
    public Value mul(double v) { return mul(graph.scalar(v, dtype)); }
    public Value div(double v) { return div(graph.scalar(v, dtype)); }

    private Value binary(String op, Value o) {
        if (known != null && o.known != null && rank() <= 1 && o.rank() <= 1) {
            long[] a = known, b = o.known;
            long[] r = new long[Math.max(a.length, b.length)];
            for (int i = 0; i < r.length; i++) {
                long x = a[a.length == 1 ? 0 : i], y = b[b.length == 1 ? 0 : i];
                r[i] = switch (op) {
                    case "Add" -> x + y;
                    case "Sub" -> x - y;
                    case "Mul" -> x * y;
                    default -> Math.floorDiv(x, y);
                };
            }
            return graph.constLongs(r);
        }
        return graph.node(op, List.of(this, o), List.of(), dtype, broadcast(shape, o.shape));
    }

    public Value sigmoid() { return unary("Sigmoid"); }
    public Value relu() { return unary("Relu"); }
    public Value tanh() { return unary("Tanh"); }
    public Value erf() { return unary("Erf"); }
    public Value exp() { return unary("Exp"); }
    public Value sin() { return unary("Sin"); }
    public Value cos() { return unary("Cos"); }
    public Value sqrt() { return unary("Sqrt"); }
    public Value neg() { return unary("Neg"); }

    private Value unary(String op) {
        return graph.node(op, List.of(this), List.of(), dtype, shape);
    }

    public Value softmax(int axis) {
        return graph.node("Softmax", List.of(this), List.of(Attr.i("axis", axis)), dtype, shape);
    }

    public Value cast(DType to) {
        if (to == dtype) return this;
        return graph.node("Cast", List.of(this), List.of(Attr.i("to", to.onnxCode)), to, shape);
    }

    // ------------------------------------------------------------ linear algebra

    public Value matmul(Value o) {
        if (rank() < 2 || o.rank() < 2) throw new IllegalArgumentException("matmul needs rank >= 2");
        long[] batch = broadcast(Arrays.copyOf(shape, rank() - 2), Arrays.copyOf(o.shape, o.rank() - 2));
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = dim(-2);
        out[batch.length + 1] = o.dim(-1);
        return graph.node("MatMul", List.of(this, o), List.of(), dtype, out);
    }

    /**
     * x @ w^T + b with w stored (out, in) as torch does: no transposed copy of the weight is ever made. One Gemm
     * (transB, bias fused) over x seen as a matrix, reshaped back: standard ONNX, and the bias costs no extra pass.
     */
    public Value linear(Value w, Value b) {
        long out = w.dim(0);
        if (w.dim(1) < 0) {
            // A width known only at run time (LoRA slot ranks, 0 for none): a matrix product of any rank, since
            // flattening a zero-width tensor through Reshape is ambiguous.
            Value y = graph.options().onnxRuntimeOperators()
                    ? graph.node("FusedMatMul", "com.microsoft", List.of(this, w), List.of(Attr.i("transB", 1)), dtype, matmulShape(out))
                    : matmul(w.transpose(1, 0));
            return b == null ? y : y.add(b);
        }
        if (rank() == 2) {
            List<Value> in = b == null ? List.of(this, w) : List.of(this, w, b);
            return graph.node("Gemm", in, List.of(Attr.i("transB", 1)), dtype, new long[] {dim(0), out});
        }
        Value y = flatten(0, rank() - 2).linear(w, b);
        Value target = concat(List.of(shapeOf(0, rank() - 1), graph.constLongs(out)), 0);
        if (target.known != null) return y.reshape(target.known);
        return graph.node("Reshape", List.of(y, target), List.of(), dtype, matmulShape(out));
    }

    /** This shape with the last dimension replaced. */
    private long[] matmulShape(long last) {
        long[] s = shape();
        s[rank() - 1] = last;
        return s;
    }

    // ------------------------------------------------------------ shapes

    public Value transpose(int... perm) {
        long[] out = new long[perm.length];
        long[] p = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            p[i] = axis(perm[i]);
            out[i] = shape[(int) p[i]];
        }
        return graph.node("Transpose", List.of(this), List.of(Attr.ints("perm", p)), dtype, out);
    }

    /** Swaps two dimensions (torch's transpose). */
    public Value swap(int d0, int d1) {
        int[] perm = new int[rank()];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        perm[axis(d0)] = axis(d1);
        perm[axis(d1)] = axis(d0);
        return transpose(perm);
    }

    /** Reshape to a static target; 0 copies the input dimension, -1 is inferred (ONNX semantics). */
    public Value reshape(long... target) {
        long[] out = target.clone();
        int infer = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0) out[i] = shape[i];
            if (target[i] == -1) infer = i;
        }
        if (infer >= 0) {
            // Dimensions copied with 0 cancel out: the inferred size only needs the other input dimensions.
            long rest = 1;
            for (int i = 0; i < shape.length; i++) {
                boolean copied = i < target.length && target[i] == 0;
                if (copied) continue;
                rest = (rest < 0 || shape[i] < 0) ? -1 : rest * shape[i];
            }
            long explicit = 1;
            boolean explicitKnown = true;
            for (int i = 0; i < target.length; i++) {
                if (i == infer || target[i] == 0) continue;
                if (target[i] < 0) explicitKnown = false;
                else explicit *= target[i];
            }
            out[infer] = rest >= 0 && explicitKnown && explicit > 0 ? rest / explicit : -1;
        }
        return graph.node("Reshape", List.of(this, graph.constLongs(target)), List.of(), dtype, out);
    }

    /** Reshape to a shape computed in the graph (a 1-D int64 value). */
    public Value reshape(Value target) {
        if (target.known != null) return reshape(target.known);
        long[] out = new long[(int) target.dim(0)];
        Arrays.fill(out, -1);
        return graph.node("Reshape", List.of(this, target), List.of(), dtype, out);
    }

    long numelOrMinus1() {
        long n = 1;
        for (long d : shape) {
            if (d < 0) return -1;
            n *= d;
        }
        return n;
    }

    /** torch.flatten(start, end). */
    public Value flatten(int start, int end) {
        int s = axis(start), e = axis(end);
        List<Value> parts = new ArrayList<>();
        if (s > 0) parts.add(shapeOf(0, s));
        parts.add(graph.constLongs(-1));
        if (e + 1 < rank()) parts.add(shapeOf(e + 1, rank()));
        long[] out = new long[rank() - (e - s)];
        for (int i = 0; i < s; i++) out[i] = shape[i];
        long m = 1;
        for (int i = s; i <= e; i++) m = (m < 0 || shape[i] < 0) ? -1 : m * shape[i];
        out[s] = m;
        for (int i = e + 1; i < rank(); i++) out[i - (e - s)] = shape[i];
        Value target = concat(parts, 0);
        if (target.known != null) return reshape(out);
        return graph.node("Reshape", List.of(this, target), List.of(), dtype, out);
    }

    public Value unsqueeze(int... axes) {
        int r = rank() + axes.length;
        long[] norm = new long[axes.length];
        boolean[] inserted = new boolean[r];
        for (int i = 0; i < axes.length; i++) {
            norm[i] = axes[i] < 0 ? axes[i] + r : axes[i];
            inserted[(int) norm[i]] = true;
        }
        long[] out = new long[r];
        for (int i = 0, j = 0; i < r; i++) out[i] = inserted[i] ? 1 : shape[j++];
        return graph.node("Unsqueeze", List.of(this, graph.constLongs(norm)), List.of(), dtype, out);
    }

    public Value squeeze(int... axes) {
        long[] norm = new long[axes.length];
        boolean[] removed = new boolean[rank()];
        for (int i = 0; i < axes.length; i++) {
            norm[i] = axis(axes[i]);
            removed[(int) norm[i]] = true;
        }
        long[] out = new long[rank() - axes.length];
        for (int i = 0, j = 0; i < rank(); i++) if (!removed[i]) out[j++] = shape[i];
        return graph.node("Squeeze", List.of(this, graph.constLongs(norm)), List.of(), dtype, out);
    }

    /** x[..., start:end:step, ...] along one axis, with Python's clamping of out-of-range bounds. */
    public Value slice(int axis, long start, long end, long step) {
        int a = axis(axis);
        long[] out = shape();
        long n = shape[a];
        if (n >= 0) {
            long s = clampIndex(start, n, step), e = clampIndex(end, n, step);
            out[a] = step > 0 ? Math.max(0, (e - s + step - 1) / step) : Math.max(0, (s - e - step - 1) / -step);
        } else {
            out[a] = -1;
        }
        if (known != null && rank() == 1 && step == 1) {
            long s = clampIndex(start, n, 1), e = clampIndex(end, n, 1);
            return graph.constLongs(Arrays.copyOfRange(known, (int) s, (int) Math.max(s, e)));
        }
        List<Value> in = List.of(this, graph.constLongs(start), graph.constLongs(end), graph.constLongs(a), graph.constLongs(step));
        return graph.node("Slice", in, List.of(), dtype, out);
    }

    private static long clampIndex(long i, long n, long step) {
        if (i < 0) i += n;
        return step > 0 ? Math.max(0, Math.min(i, n)) : Math.max(-1, Math.min(i, n - 1));
    }

    /** Zero padding of the last two dimensions, in torch.nn.functional.pad order (left, right, top, bottom). */
    public Value pad(long left, long right, long top, long bottom) {
        long[] pads = new long[2 * rank()];
        pads[rank() - 2] = top;
        pads[rank() - 1] = left;
        pads[2 * rank() - 2] = bottom;
        pads[2 * rank() - 1] = right;
        long[] out = shape();
        if (out[rank() - 2] >= 0) out[rank() - 2] += top + bottom;
        if (out[rank() - 1] >= 0) out[rank() - 1] += left + right;
        return graph.node("Pad", List.of(this, graph.constLongs(pads)), List.of(Attr.s("mode", "constant")), dtype, out);
    }

    /** torch.chunk into equal parts along an axis. */
    public List<Value> split(int axis, int parts) {
        int a = axis(axis);
        long[] out = shape();
        out[a] = shape[a] < 0 ? -1 : shape[a] / parts;
        if (shape[a] >= 0 && shape[a] % parts != 0)
            throw new IllegalArgumentException("cannot split dimension " + shape[a] + " into " + parts + " equal parts");
        long[][] shapes = new long[parts][];
        Arrays.fill(shapes, out);
        return graph.nodeN("Split", List.of(this), List.of(Attr.i("axis", a), Attr.i("num_outputs", parts)), dtype, shapes);
    }

    public static Value concat(List<Value> values, int axis) {
        if (values.size() == 1) return values.get(0);
        Value first = values.get(0);
        int a = first.axis(axis);
        boolean allKnown = values.stream().allMatch(v -> v.known != null && v.rank() == 1);
        if (allKnown) {
            long[] all = values.stream().flatMapToLong(v -> Arrays.stream(v.known)).toArray();
            return first.graph.constLongs(all);
        }
        long[] out = first.shape();
        long sum = 0;
        for (Value v : values) sum = (sum < 0 || v.shape[a] < 0) ? -1 : sum + v.shape[a];
        out[a] = sum;
        return first.graph.node("Concat", values, List.of(Attr.i("axis", a)), first.dtype, out);
    }

    /** The shape as a 1-D int64 value (folded to a constant when static). */
    public Value shapeOf() {
        return shapeOf(0, rank());
    }

    public Value shapeOf(int start, int end) {
        long[] part = Arrays.copyOfRange(shape, start, end);
        if (Arrays.stream(part).allMatch(d -> d >= 0)) return graph.constLongs(part);
        return graph.node("Shape", List.of(this), List.of(Attr.i("start", start), Attr.i("end", end)), DType.I64,
                new long[] {end - start});
    }

    public Value expand(Value targetShape) {
        long[] out = targetShape.known != null ? broadcast(shape, targetShape.known) : new long[(int) targetShape.dim(0)];
        if (targetShape.known == null) Arrays.fill(out, -1);
        return graph.node("Expand", List.of(this, targetShape), List.of(), dtype, out);
    }

    /** Gathers rows of this tensor (e.g. an embedding table) at integer indices. */
    public Value gather(Value indices, int axis) {
        int a = axis(axis);
        long[] out = new long[rank() - 1 + indices.rank()];
        int k = 0;
        for (int i = 0; i < a; i++) out[k++] = shape[i];
        for (long d : indices.shape) out[k++] = d;
        for (int i = a + 1; i < rank(); i++) out[k++] = shape[i];
        return graph.node("Gather", List.of(this, indices), List.of(Attr.i("axis", a)), dtype, out);
    }

    public static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            long y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (x == 1) out[i] = y;
            else if (y == 1) out[i] = x;
            else if (x < 0 || y < 0) out[i] = Math.max(x, y) < 0 ? -1 : Math.max(x, y);
            else if (x == y) out[i] = x;
            else throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
        }
        return out;
    }

    @Override
    public String toString() {
        return "Value(" + name + ", " + dtype + ", " + Arrays.toString(shape) + ")";
    }
}

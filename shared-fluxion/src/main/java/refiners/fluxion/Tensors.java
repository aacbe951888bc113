package refiners.fluxion;

import java.nio.ByteBuffer;
import java.util.List;

/** The few host-side tensor manipulations pipelines need (batching, channel concatenation, affine maps), as copies, and the row views weight conversion needs. */
public final class Tensors {
    private Tensors() {}

    /** Rows [start, start + length) of the first dimension. */
    public static Tensor narrow(Tensor t, long start, long length) {
        return rows(t, start, length).copy();
    }

    /** Concatenation along the first dimension (same dtype and trailing shape). */
    public static Tensor concat(List<Tensor> parts) {
        return concat(parts, 0);
    }

    /** Same-shaped tensors along a new first dimension, as torch.stack. */
    public static Tensor stack(List<Tensor> parts) {
        List<Tensor> items = new java.util.ArrayList<>();
        for (Tensor t : parts) {
            long[] s = new long[t.rank() + 1];
            s[0] = 1;
            System.arraycopy(t.shape(), 0, s, 1, t.rank());
            items.add(t.reshape(s));
        }
        return concat(items, 0);
    }

    /** Concatenation along {@code dim} (same dtype, same sizes in every other dimension), as torch.cat. */
    public static Tensor concat(List<Tensor> parts, int dim) {
        Tensor first = parts.get(0);
        long[] s = first.shape();
        long outer = 1, total = 0;
        for (int i = 0; i < dim; i++) outer *= s[i];
        long bytes = 0;
        for (Tensor p : parts) {
            long[] ps = p.shape();
            ps[dim] = s[dim];
            if (p.dtype() != first.dtype() || !java.util.Arrays.equals(ps, s)) throw new IllegalArgumentException("cannot concatenate " + p + " with " + first + " along dimension " + dim);
            total += p.dim(dim);
            bytes += p.byteSize();
        }
        ByteBuffer out = Tensor.allocate(bytes);
        for (long o = 0; o < outer; o++) {
            for (Tensor p : parts) {
                int block = (int) (p.byteSize() / outer);
                ByteBuffer b = p.data();
                b.position((int) (o * block)).limit((int) ((o + 1) * block));
                out.put(b);
            }
        }
        out.flip();
        s[dim] = total;
        return new Tensor(first.dtype(), s, out);
    }

    /** a * x + b elementwise, in the tensor's own precision (float32 math for F32, as torch); optionally clamped to [0, 1]. */
    public static Tensor affine(Tensor x, double a, double b, boolean clampToUnit) {
        long[] shape = x.shape();
        if (x.dtype() == DType.F64) {
            double[] v = x.toDoubleArray();
            for (int i = 0; i < v.length; i++) v[i] = clampToUnit ? Math.min(1.0, Math.max(0.0, a * v[i] + b)) : a * v[i] + b;
            return Tensor.ofDoubles(shape, v);
        }
        if (x.dtype() != DType.F32) throw new IllegalArgumentException("expected an F32 or F64 tensor, got " + x);
        float[] v = x.toFloatArray();
        float fa = (float) a, fb = (float) b;
        for (int i = 0; i < v.length; i++) v[i] = clampToUnit ? Math.min(1f, Math.max(0f, fa * v[i] + fb)) : fa * v[i] + fb;
        return Tensor.ofFloats(shape, v);
    }

    /** Rows [start, start + length) of the first dimension as a view (no copy; a mapped file's origin follows). */
    public static Tensor rows(Tensor t, long start, long length) {
        long[] s = t.shape();
        if (start < 0 || length < 0 || start + length > s[0]) throw new IndexOutOfBoundsException("rows " + start + "+" + length + " of " + s[0]);
        long row = t.byteSize() / Math.max(1, s[0]);
        ByteBuffer b = t.data();
        b.position((int) (start * row)).limit((int) ((start + length) * row));
        s[0] = length;
        Tensor.Origin o = t.origin();
        return new Tensor(t.dtype(), s, b.slice(), o == null ? null : new Tensor.Origin(o.file(), o.offset() + start * row));
    }

    /** A 2-D tensor transposed (a copy), any dtype. */
    public static Tensor transpose(Tensor t) {
        if (t.rank() != 2) throw new IllegalArgumentException("transpose needs a matrix, got " + t);
        int rows = Math.toIntExact(t.dim(0)), cols = Math.toIntExact(t.dim(1)), size = t.dtype().size;
        ByteBuffer in = t.data(), out = Tensor.allocate(t.byteSize());
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                for (int k = 0; k < size; k++) out.put((c * rows + r) * size + k, in.get((r * cols + c) * size + k));
        return new Tensor(t.dtype(), new long[] {cols, rows}, out);
    }
}

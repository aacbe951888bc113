package refiners.fluxion;

import java.nio.ByteBuffer;
import java.util.List;

/** The few host-side tensor manipulations pipelines need (batching along the first dimension), as copies. */
public final class Tensors {
    private Tensors() {}

    /** Rows [start, start + length) of the first dimension. */
    public static Tensor narrow(Tensor t, long start, long length) {
        long[] s = t.shape();
        if (start < 0 || length < 0 || start + length > s[0]) throw new IndexOutOfBoundsException("rows " + start + "+" + length + " of " + s[0]);
        long row = t.byteSize() / Math.max(1, s[0]);
        ByteBuffer b = t.data();
        b.position((int) (start * row)).limit((int) ((start + length) * row));
        s[0] = length;
        return new Tensor(t.dtype(), s, b.slice()).copy();
    }

    /** Concatenation along the first dimension (same dtype and trailing shape). */
    public static Tensor concat(List<Tensor> parts) {
        Tensor first = parts.get(0);
        long[] s = first.shape();
        long rows = 0, bytes = 0;
        for (Tensor p : parts) {
            long[] ps = p.shape();
            ps[0] = s[0];
            if (p.dtype() != first.dtype() || !java.util.Arrays.equals(ps, s)) throw new IllegalArgumentException("cannot concatenate " + p + " with " + first);
            rows += p.dim(0);
            bytes += p.byteSize();
        }
        ByteBuffer out = Tensor.allocate(bytes);
        for (Tensor p : parts) out.put(p.data());
        out.flip();
        s[0] = rows;
        return new Tensor(first.dtype(), s, out);
    }
}

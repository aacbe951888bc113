package refiners.fluxion;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A small immutable-shape tensor: dtype, shape and a little-endian buffer (usually direct, so ONNX Runtime reads it
 * without a copy). Deliberately not a tensor library: arithmetic happens in compiled graphs, or on plain arrays.
 */
public final class Tensor {
    private final DType dtype;
    private final long[] shape;
    private final ByteBuffer data;
    private final Origin origin;

    /** Where a tensor's bytes live on disk, when it is a view of a mapped file (lets ONNX Runtime read it itself). */
    public record Origin(java.nio.file.Path file, long offset) {}

    public Tensor(DType dtype, long[] shape, ByteBuffer data) {
        this(dtype, shape, data, null);
    }

    public Tensor(DType dtype, long[] shape, ByteBuffer data, Origin origin) {
        this.origin = origin;
        this.dtype = dtype;
        this.shape = shape.clone();
        long expected = numel(shape) * dtype.size;
        if (data.remaining() != expected)
            throw new IllegalArgumentException("buffer holds " + data.remaining() + " bytes, shape " + Arrays.toString(shape) + " of " + dtype + " needs " + expected);
        this.data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public static ByteBuffer allocate(long bytes) {
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor of " + bytes + " bytes exceeds 2 GiB");
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static Tensor zeros(DType dtype, long... shape) {
        return new Tensor(dtype, shape, allocate(numel(shape) * dtype.size));
    }

    public static Tensor ofFloats(long[] shape, float... values) {
        check(shape, values.length);
        ByteBuffer b = allocate(4L * values.length);
        b.asFloatBuffer().put(values);
        return new Tensor(DType.F32, shape, b);
    }

    public static Tensor ofDoubles(long[] shape, double... values) {
        check(shape, values.length);
        ByteBuffer b = allocate(8L * values.length);
        b.asDoubleBuffer().put(values);
        return new Tensor(DType.F64, shape, b);
    }

    public static Tensor ofLongs(long[] shape, long... values) {
        check(shape, values.length);
        ByteBuffer b = allocate(8L * values.length);
        b.asLongBuffer().put(values);
        return new Tensor(DType.I64, shape, b);
    }

    public static Tensor ofInts(long[] shape, int... values) {
        check(shape, values.length);
        ByteBuffer b = allocate(4L * values.length);
        b.asIntBuffer().put(values);
        return new Tensor(DType.I32, shape, b);
    }

    private static void check(long[] shape, int n) {
        if (numel(shape) != n) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + n + " values");
    }

    public DType dtype() { return dtype; }
    public long[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public long dim(int i) { return shape[i < 0 ? shape.length + i : i]; }
    public long numel() { return numel(shape); }
    public long byteSize() { return data.remaining(); }

    /** A read view of the bytes (position 0, little-endian); shares memory with this tensor. */
    public ByteBuffer data() { return data.duplicate().order(ByteOrder.LITTLE_ENDIAN); }

    public Tensor reshape(long... newShape) {
        return new Tensor(dtype, newShape, data(), origin);
    }

    /** The file region holding this tensor's bytes, or null when it lives only in memory. */
    public Origin origin() {
        return origin;
    }

    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = data();
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> { for (int i = 0; i < n; i++) out[i] = (float) b.getDouble(8 * i); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Half.toFloat(b.getShort(2 * i)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16); }
            case I64 -> { for (int i = 0; i < n; i++) out[i] = b.getLong(8 * i); }
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i); }
            default -> throw new UnsupportedOperationException("toFloatArray of " + dtype);
        }
        return out;
    }

    public double[] toDoubleArray() {
        if (dtype == DType.F64) {
            double[] out = new double[Math.toIntExact(numel())];
            data().asDoubleBuffer().get(out);
            return out;
        }
        if (dtype == DType.I64) {
            long[] l = toLongArray();
            double[] out = new double[l.length];
            for (int i = 0; i < l.length; i++) out[i] = l[i];
            return out;
        }
        float[] f = toFloatArray();
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }

    public long[] toLongArray() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        ByteBuffer b = data();
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff; }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = b.get(i); }
            default -> throw new UnsupportedOperationException("toLongArray of " + dtype);
        }
        return out;
    }

    /** A converted copy (or this tensor when the dtype already matches). */
    public Tensor to(DType target) {
        if (target == dtype) return this;
        long n = numel();
        ByteBuffer out = allocate(n * target.size);
        if (target.isFloatingPoint()) {
            if (dtype == DType.F64 || target == DType.F64) {
                double[] v = toDoubleArray();
                for (int i = 0; i < n; i++) putFloat(out, target, i, v[i]);
            } else {
                float[] v = toFloatArray();
                for (int i = 0; i < n; i++) putFloat(out, target, i, v[i]);
            }
        } else {
            long[] v = dtype.isFloatingPoint() ? truncate(toDoubleArray()) : toLongArray();
            for (int i = 0; i < n; i++) {
                switch (target) {
                    case I64 -> out.putLong(8 * i, v[i]);
                    case I32 -> out.putInt(4 * i, (int) v[i]);
                    case U8, I8, BOOL -> out.put(i, (byte) v[i]);
                    default -> throw new UnsupportedOperationException("conversion to " + target);
                }
            }
        }
        return new Tensor(target, shape, out);
    }

    private static long[] truncate(double[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (long) v[i];
        return out;
    }

    private static void putFloat(ByteBuffer out, DType t, int i, double v) {
        switch (t) {
            case F32 -> out.putFloat(4 * i, (float) v);
            case F64 -> out.putDouble(8 * i, v);
            case F16 -> out.putShort(2 * i, Half.fromFloat((float) v));
            case BF16 -> out.putShort(2 * i, Half.toBFloat16((float) v));
            default -> throw new IllegalStateException();
        }
    }

    /** A copy in the Java heap's ownership (direct buffer), detached from any mapped file. */
    public Tensor copy() {
        ByteBuffer b = allocate(byteSize());
        b.put(data());
        b.flip();
        return new Tensor(dtype, shape, b);
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype + ", " + Arrays.toString(shape) + ")";
    }
}

package refiners.training;

import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

/** A trainable tensor: its state-dict name, shape and float32 values, updated in place by an optimizer. */
public record Parameter(String name, long[] shape, float[] value) {
    public Parameter {
        if (Tensor.numel(shape) != value.length) throw new IllegalArgumentException(name + ": " + value.length + " values for shape " + java.util.Arrays.toString(shape));
    }

    public static Parameter zeros(String name, long... shape) {
        return new Parameter(name, shape, new float[Math.toIntExact(Tensor.numel(shape))]);
    }

    /** A copy of the current values as a tensor. */
    public Tensor tensor() {
        return Tensor.ofFloats(shape, value.clone());
    }

    /** Overwrites the values (shapes must match). */
    public void set(Tensor t) {
        if (!java.util.Arrays.equals(t.shape(), shape))
            throw new IllegalArgumentException(name + ": shape " + java.util.Arrays.toString(t.shape()) + ", expected " + java.util.Arrays.toString(shape));
        System.arraycopy(t.to(DType.F32).toFloatArray(), 0, value, 0, value.length);
    }
}

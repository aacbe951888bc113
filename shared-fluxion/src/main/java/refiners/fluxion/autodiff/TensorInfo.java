package refiners.fluxion.autodiff;

import java.util.Arrays;

/**
 * What differentiation knows about a value of the graph: its ONNX element type, its static shape and, for small int64
 * tensors computable from constants (shapes, axes, pads), their content.
 */
public record TensorInfo(int elemType, long[] shape, long[] constant) {
    public static final int FLOAT = 1, BOOL = 9, DOUBLE = 11, INT64 = 7, INT32 = 6, FLOAT16 = 10;

    public TensorInfo {
        shape = shape.clone();
        constant = constant == null ? null : constant.clone();
    }

    public TensorInfo(int elemType, long[] shape) {
        this(elemType, shape, null);
    }

    public int rank() {
        return shape.length;
    }

    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public boolean isFloat() {
        return elemType == FLOAT || elemType == DOUBLE || elemType == FLOAT16 || elemType == 16;
    }

    public TensorInfo withShape(long... s) {
        return new TensorInfo(elemType, s, null);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long[] constant() {
        return constant == null ? null : constant.clone();
    }

    @Override
    public String toString() {
        return "type " + elemType + " shape " + Arrays.toString(shape) + (constant != null ? " = " + Arrays.toString(constant) : "");
    }
}

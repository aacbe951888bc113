package refiners.mesh;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.util.Arrays;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

/**
 * Fluxion tensors to and from the wire's {@code refiners.common.v1.Tensor}: the raw little-endian bytes travel as they
 * are (no float conversion), so a tensor arrives bit-identical.
 */
public final class WireTensors {
    private WireTensors() {}

    public static refiners.proto.common.v1.Tensor toMessage(Tensor t) {
        return refiners.proto.common.v1.Tensor.newBuilder()
                .setDtype(toWire(t.dtype()))
                .addAllShape(Arrays.stream(t.shape()).boxed().toList())
                .setData(ByteString.copyFrom(t.data()))
                .build();
    }

    /**
     * A Fluxion tensor in a direct buffer (ONNX Runtime reads it without a further copy); a malformed message (unknown
     * dtype, a dimension below 1, a byte count that does not match the shape) is an INVALID_ARGUMENT naming
     * {@code field}, so no such tensor reaches ONNX Runtime.
     */
    public static Tensor fromMessage(refiners.proto.common.v1.Tensor m, String field) {
        DType dtype = switch (m.getDtype()) {
            case DTYPE_FLOAT32 -> DType.F32;
            case DTYPE_FLOAT16 -> DType.F16;
            case DTYPE_INT64 -> DType.I64;
            case DTYPE_INT32 -> DType.I32;
            default -> throw invalid(field, "dtype " + m.getDtype() + " is not supported");
        };
        long[] shape = m.getShapeList().stream().mapToLong(Long::longValue).toArray();
        for (long d : shape) if (d < 1) throw invalid(field, "shape " + Arrays.toString(shape) + " has a dimension below 1");
        long numel;
        try {
            numel = Tensor.numel(shape);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw invalid(field, "shape " + Arrays.toString(shape) + " is not a valid shape");
        }
        if (numel * dtype.size != m.getData().size())
            throw invalid(field, "shape " + Arrays.toString(shape) + " of " + dtype + " needs " + numel * dtype.size + " bytes, got " + m.getData().size());
        ByteBuffer data = Tensor.allocate(m.getData().size());
        m.getData().copyTo(data);
        data.flip();
        return new Tensor(dtype, shape, data);
    }

    /** Checks a received tensor's dtype and shape ({@code -1} matches any size). */
    public static Tensor expect(Tensor t, String field, DType dtype, long... shape) {
        boolean ok = t.dtype() == dtype && t.rank() == shape.length;
        for (int i = 0; ok && i < shape.length; i++) ok = shape[i] < 0 || shape[i] == t.dim(i);
        if (!ok) throw invalid(field, "expected " + dtype + " " + Arrays.toString(shape).replace("-1", "*") + ", got " + t);
        return t;
    }

    private static refiners.proto.common.v1.DType toWire(DType d) {
        return switch (d) {
            case F32 -> refiners.proto.common.v1.DType.DTYPE_FLOAT32;
            case F16 -> refiners.proto.common.v1.DType.DTYPE_FLOAT16;
            case I64 -> refiners.proto.common.v1.DType.DTYPE_INT64;
            case I32 -> refiners.proto.common.v1.DType.DTYPE_INT32;
            default -> throw new IllegalArgumentException("no wire dtype for " + d);
        };
    }

    public static io.grpc.StatusRuntimeException invalid(String field, String message) {
        return Status.INVALID_ARGUMENT.withDescription(field + ": " + message).asRuntimeException();
    }
}

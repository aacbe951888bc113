package refiners.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

class WireTensorsTest {
    @Test
    void bytesTravelUnchanged() {
        float[] values = {Float.NaN, -0.0f, Float.MIN_VALUE, 1.1754942E-38f, 3.4028235E38f, 0.1f};
        Tensor t = Tensor.ofFloats(new long[] {1, 2, 3}, values);
        Tensor back = WireTensors.fromMessage(WireTensors.toMessage(t), "x");
        assertEquals(DType.F32, back.dtype());
        assertArrayEquals(t.shape(), back.shape());
        assertTrue(back.data().isDirect());
        for (int i = 0; i < values.length; i++)
            assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(back.toFloatArray()[i]));
    }

    @Test
    void malformedTensorsAreInvalidArgumentsNamingTheField() {
        var m = WireTensors.toMessage(Tensor.ofFloats(new long[] {2}, 1, 2)).toBuilder().clearShape().addShape(3).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> WireTensors.fromMessage(m, "latents"));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("latents: "), e.getStatus().getDescription());
        for (long[] shape : new long[][] {{1, 4, 0, 0}, {1, -4, 2, 2}, {0}}) {
            var empty = refiners.proto.common.v1.Tensor.newBuilder().setDtype(refiners.proto.common.v1.DType.DTYPE_FLOAT32);
            for (long d : shape) empty.addShape(d);
            StatusRuntimeException z = assertThrows(StatusRuntimeException.class, () -> WireTensors.fromMessage(empty.build(), "latents"));
            assertTrue(z.getStatus().getDescription().startsWith("latents: ") && z.getStatus().getCode() == Status.Code.INVALID_ARGUMENT, z.getStatus().toString());
        }
        Tensor t = Tensor.ofFloats(new long[] {1, 4, 2, 2}, new float[16]);
        assertEquals(t, WireTensors.expect(t, "latents", DType.F32, 1, 4, -1, -1));
        assertThrows(StatusRuntimeException.class, () -> WireTensors.expect(t, "latents", DType.F32, 1, 3, -1, -1));
    }
}

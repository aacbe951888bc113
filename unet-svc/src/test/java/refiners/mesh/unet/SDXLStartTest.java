package refiners.mesh.unet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.StableDiffusion_XL;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseStart;

/** A Denoise Start's SDXL fields: read when the stream is SDXL's (each bad one named), refused on an SD 1.5 stream. */
class SDXLStartTest {
    static final Tensor POOLED = Tensor.zeros(DType.F32, 1, 1280);

    static DenoiseStart.Builder sdxl() {
        return DenoiseStart.newBuilder().setModel("sdxl").setPooledConditional(WireTensors.toMessage(POOLED))
                .setPooledUnconditional(WireTensors.toMessage(POOLED)).setTimeIds(WireTensors.toMessage(StableDiffusion_XL.timeIds(128, 192)));
    }

    @Test
    void sdxlFieldsAreReadAndCheckedNamingTheField() {
        var tt = SDXLStart.textTime(sdxl().build(), true);
        assertArrayEquals(new long[] {128, 192, 0, 0, 128, 192}, tt.timeIds().toLongArray());
        assertNull(SDXLStart.textTime(sdxl().clearPooledUnconditional().build(), false).pooledUnconditional(), "without guidance it is not needed");
        assertInvalid("start.pooled_unconditional", () -> SDXLStart.textTime(sdxl().clearPooledUnconditional().build(), true));
        assertInvalid("start.time_ids", () -> SDXLStart.textTime(sdxl().setTimeIds(WireTensors.toMessage(Tensor.zeros(DType.F32, 1, 6))).build(), true));
        assertInvalid("start.time_ids", () -> SDXLStart.textTime(sdxl().setTimeIds(WireTensors.toMessage(Tensor.ofLongs(new long[] {1, 6}, -1, 0, 0, 0, 0, 0))).build(), true));
        assertInvalid("start.pooled_conditional", () -> SDXLStart.textTime(sdxl().setPooledConditional(WireTensors.toMessage(Tensor.zeros(DType.F32, 1, 768))).build(), true));
    }

    @Test
    void anSd15StartCarryingSdxlFieldsIsRefusedNamingTheFirst() {
        assertNull(SDXLStart.refuse(DenoiseStart.getDefaultInstance()));
        assertInvalid("start.time_ids", () -> SDXLStart.refuse(DenoiseStart.newBuilder().setTimeIds(WireTensors.toMessage(StableDiffusion_XL.timeIds(64, 64))).build()));
        assertInvalid("start.pooled_conditional", () -> SDXLStart.refuse(sdxl().build()));
    }

    static void assertInvalid(String field, org.junit.jupiter.api.function.Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith(field + ":"), e.getStatus().getDescription());
    }
}

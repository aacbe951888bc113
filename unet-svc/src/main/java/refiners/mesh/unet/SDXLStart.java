package refiners.mesh.unet;

import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseStart;

/** A Denoise Start's SDXL conditions (pooled embeddings, time ids), checked, each bad field named. */
final class SDXLStart {
    private SDXLStart() {}

    /** The pooled embeddings (1, 1280) (the unconditional one with guidance) and the time ids (1, 6) int64. */
    static SD1Stages.TextTimeConditions textTime(DenoiseStart start, boolean guided) {
        Tensor cond = WireTensors.expect(WireTensors.fromMessage(start.getPooledConditional(), "start.pooled_conditional"), "start.pooled_conditional", DType.F32, 1, 1280);
        Tensor uncond = !guided ? null
                : WireTensors.expect(WireTensors.fromMessage(start.getPooledUnconditional(), "start.pooled_unconditional"), "start.pooled_unconditional", DType.F32, 1, 1280);
        Tensor timeIds = WireTensors.expect(WireTensors.fromMessage(start.getTimeIds(), "start.time_ids"), "start.time_ids", DType.I64, 1, 6);
        for (long v : timeIds.toLongArray()) if (v < 0 || v > 16384) throw WireTensors.invalid("start.time_ids", "sizes must be in 0..16384, got " + v);
        return new SD1Stages.TextTimeConditions(cond, uncond, timeIds);
    }

    /** A Start of SD 1.x carries none of them: null, or INVALID_ARGUMENT naming the first one set. */
    static SD1Stages.TextTimeConditions refuse(DenoiseStart start) {
        String set = start.hasPooledConditional() ? "start.pooled_conditional" : start.hasPooledUnconditional() ? "start.pooled_unconditional"
                : start.hasTimeIds() ? "start.time_ids" : null;
        if (set != null) throw WireTensors.invalid(set, "is SDXL's; this stream's model is Stable Diffusion 1.x");
        return null;
    }
}

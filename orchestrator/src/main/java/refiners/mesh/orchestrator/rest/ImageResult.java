package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import refiners.proto.orchestrator.v1.Result;

/** One image of a REST generation as JSON (a num_images list, or an event stream's result): the PNG in base64. */
public record ImageResult(
        @JsonProperty("image_index") int imageIndex,
        long seed,
        int width,
        int height,
        byte[] png,
        Timings timings) {

    /** Stage times in seconds, as in the gRPC Result. */
    public record Timings(
            @JsonProperty("text_encoder_seconds") double textEncoder,
            @JsonProperty("unet_seconds") double unet,
            @JsonProperty("unet_compute_seconds") double unetCompute,
            @JsonProperty("unet_queue_seconds") double unetQueue,
            @JsonProperty("solver_seconds") double solver,
            @JsonProperty("vae_seconds") double vae,
            @JsonProperty("total_seconds") double total) {}

    public static ImageResult of(Result r) {
        var t = r.getTimings();
        return new ImageResult(r.getImageIndex(), r.getSeed(), r.getWidth(), r.getHeight(), r.getPng().toByteArray(),
                new Timings(t.getTextEncoderSeconds(), t.getUnetSeconds(), t.getUnetComputeSeconds(), t.getUnetQueueSeconds(),
                        t.getSolverSeconds(), t.getVaeSeconds(), t.getTotalSeconds()));
    }
}

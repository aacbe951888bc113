package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import refiners.proto.orchestrator.v1.Progress;

/** A step of a REST event stream as JSON; preview_png (base64) only on the steps that carry one. */
public record StepProgress(
        @JsonProperty("image_index") int imageIndex,
        int step,
        @JsonProperty("total_steps") int totalSteps,
        @JsonProperty("elapsed_seconds") double elapsedSeconds,
        @JsonProperty("preview_png") @JsonInclude(JsonInclude.Include.NON_NULL) byte[] previewPng) {

    public static StepProgress of(Progress p) {
        return new StepProgress(p.getImageIndex(), p.getStep(), p.getTotalSteps(), p.getElapsedSeconds(),
                p.getPreviewPng().isEmpty() ? null : p.getPreviewPng().toByteArray());
    }
}

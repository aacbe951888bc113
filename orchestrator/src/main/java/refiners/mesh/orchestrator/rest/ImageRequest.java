package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateRequest;

/** The JSON body of POST /v1/images; absent fields take the same defaults as over gRPC. */
public record ImageRequest(
        String prompt,
        @JsonProperty("negative_prompt") String negativePrompt,
        Integer steps,
        @JsonProperty("guidance_scale") Double guidanceScale,
        String solver,
        Integer width,
        Integer height,
        Long seed,
        List<Lora> loras) {

    public record Lora(String name, Double scale) {}

    /** The gRPC request, so both front doors share one validation. */
    public GenerateRequest toGenerateRequest() {
        GenerateRequest.Builder b = GenerateRequest.newBuilder();
        if (prompt != null) b.setPrompt(prompt);
        if (negativePrompt != null) b.setNegativePrompt(negativePrompt);
        if (steps != null) b.setSteps(steps);
        if (guidanceScale != null) b.setGuidanceScale(guidanceScale.floatValue());
        if (solver != null) b.setSolver(solver);
        if (width != null) b.setWidth(width);
        if (height != null) b.setHeight(height);
        if (seed != null) b.setSeed(seed);
        if (loras != null)
            for (Lora l : loras)
                b.addLoras(LoraWeight.newBuilder().setName(l.name() == null ? "" : l.name()).setScale(l.scale() == null ? 1f : l.scale().floatValue()));
        return b.build();
    }
}

package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import refiners.proto.orchestrator.v1.GenerateRequest;

/**
 * POST /v1/images/generations, OpenAI's Images API: prompt, n, size, response_format (b64_json), model; user, quality
 * and style are taken and ignored; any other field is refused naming it. Errors in OpenAI's shape (OpenAiError).
 */
@Path("/v1/images/generations")
public class OpenAiGenerationsResource {
    @Inject
    OpenAiImages images;

    public record Body(String prompt, Integer n, String size, @JsonProperty("response_format") String responseFormat, String model,
                       String user, String quality, String style) {}

    @POST
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public OpenAiImages.Answer create(Body body) {
        if (body == null) throw OpenAiImages.refused("prompt", "is required");
        GenerateRequest.Builder b = images.common(GenerateRequest.newBuilder(), body.prompt(), body.n(), body.size(), body.responseFormat(), body.model());
        return images.generate(b.build());
    }
}

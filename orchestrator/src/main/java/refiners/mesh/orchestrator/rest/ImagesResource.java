package refiners.mesh.orchestrator.rest;

import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import refiners.mesh.orchestrator.Generations;
import refiners.mesh.orchestrator.ImageBatch;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.Result;

/**
 * POST /v1/images: JSON in; one image as PNG (seed in X-Seed, per-stage times in Server-Timing), or, for num_images > 1
 * or a client accepting only JSON, {"images": [ImageResult...]} in image order; errors as JSON (ErrorBody). The event
 * stream (Accept: text/event-stream) is ImageEventsResource.
 */
@Path("/v1/images")
public class ImagesResource {
    private static final MediaType PNG = MediaType.valueOf("image/png");

    @Inject
    Generations generations;

    @POST
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({"image/png", MediaType.APPLICATION_JSON})
    public Response create(ImageRequest body, @Context HttpHeaders headers) {
        var request = ImageRequest.orEmpty(body).toGenerateRequest();
        List<Result> results = ImageBatch.generate(generations, request, null).filter(GenerateEvent::hasResult).map(GenerateEvent::getResult)
                .collect().asList().await().indefinitely();
        boolean png = results.size() == 1 && headers.getAcceptableMediaTypes().stream().anyMatch(m -> m.isCompatible(PNG));
        if (!png) {
            List<ImageResult> images = results.stream().sorted(Comparator.comparingInt(Result::getImageIndex)).map(ImageResult::of).toList();
            return Response.ok(Map.of("images", images), MediaType.APPLICATION_JSON).build();
        }
        Result r = results.get(0);
        var t = r.getTimings();
        String serverTiming = String.format(Locale.ROOT,
                "text-encoder;dur=%.1f, unet;dur=%.1f, solver;dur=%.1f, vae;dur=%.1f, total;dur=%.1f",
                1e3 * t.getTextEncoderSeconds(), 1e3 * t.getUnetSeconds(), 1e3 * t.getSolverSeconds(), 1e3 * t.getVaeSeconds(), 1e3 * t.getTotalSeconds());
        return Response.ok(r.getPng().toByteArray(), PNG)
                .header("X-Seed", Long.toString(r.getSeed()))
                .header("Server-Timing", serverTiming)
                .build();
    }
}

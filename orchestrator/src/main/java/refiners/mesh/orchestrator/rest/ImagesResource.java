package refiners.mesh.orchestrator.rest;

import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Locale;
import refiners.mesh.orchestrator.Generations;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.Result;

/** POST /v1/images: JSON in, PNG out (seed in X-Seed, per-stage times in Server-Timing); errors as JSON (ErrorBody). */
@Path("/v1/images")
public class ImagesResource {
    @Inject
    Generations generations;

    @POST
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({"image/png", MediaType.APPLICATION_JSON})
    public Response create(ImageRequest body) {
        if (body == null) body = new ImageRequest(null, null, null, null, null, null, null, null, null, null, null, null, null);
        var request = generations.validate(body.toGenerateRequest());
        GenerateEvent last = generations.generate(request, 0, null).collect().last().await().indefinitely();
        Result r = last.getResult();
        var t = r.getTimings();
        String serverTiming = String.format(Locale.ROOT,
                "text-encoder;dur=%.1f, unet;dur=%.1f, solver;dur=%.1f, vae;dur=%.1f, total;dur=%.1f",
                1e3 * t.getTextEncoderSeconds(), 1e3 * t.getUnetSeconds(), 1e3 * t.getSolverSeconds(), 1e3 * t.getVaeSeconds(), 1e3 * t.getTotalSeconds());
        return Response.ok(r.getPng().toByteArray(), "image/png")
                .header("X-Seed", Long.toString(r.getSeed()))
                .header("Server-Timing", serverTiming)
                .build();
    }
}

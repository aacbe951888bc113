package refiners.mesh.orchestrator.rest;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import refiners.mesh.GrpcErrors;
import refiners.mesh.orchestrator.Generations;
import refiners.mesh.orchestrator.ImageBatch;
import refiners.proto.orchestrator.v1.GenerateEvent;

/**
 * POST /v1/images with Accept: text/event-stream: a "progress" event per step (StepProgress), a "result" event per
 * image (ImageResult), or one "error" event (ErrorBody) if the generation fails once started; a bad request is refused
 * before the stream starts, as JSON with its HTTP status. The client closing the stream cancels the generation.
 */
@Path("/v1/images")
public class ImageEventsResource {
    @Inject
    Generations generations;
    @Inject
    GrpcErrors errors;

    @POST
    @Blocking // validation decodes the request's images
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> stream(ImageRequest body, @Context Sse sse) {
        Multi<GenerateEvent> events = ImageBatch.generate(generations, ImageRequest.orEmpty(body).toGenerateRequest(), null);
        return events.map(e -> e.hasProgress() ? event(sse, "progress", StepProgress.of(e.getProgress())) : event(sse, "result", ImageResult.of(e.getResult())))
                .onFailure().recoverWithItem(t -> event(sse, "error", ErrorBody.of(errors.asStatus(t).getStatus())));
    }

    private static OutboundSseEvent event(Sse sse, String name, Object data) {
        return sse.newEventBuilder().name(name).mediaType(MediaType.APPLICATION_JSON_TYPE).data(data.getClass(), data).build();
    }
}

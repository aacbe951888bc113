package refiners.mesh.orchestrator.rest;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** gRPC statuses (the mesh's error vocabulary) as JSON error responses with the matching HTTP status. */
public class ErrorMappers {
    @ServerExceptionMapper
    public Response status(StatusRuntimeException e) {
        return json(e.getStatus());
    }

    @ServerExceptionMapper
    public Response malformedJson(com.fasterxml.jackson.core.JacksonException e) {
        return json(Status.INVALID_ARGUMENT.withDescription("body: " + e.getOriginalMessage()));
    }

    /** Errors Quarkus raises before the resource runs (unreadable body, unknown path, wrong method or media type). */
    @ServerExceptionMapper
    public Response web(jakarta.ws.rs.WebApplicationException e) {
        int http = e.getResponse().getStatus();
        Status status = switch (http) {
            case 400 -> Status.INVALID_ARGUMENT.withDescription("body: " + e.getMessage());
            case 404 -> Status.NOT_FOUND.withDescription(e.getMessage());
            default -> Status.UNKNOWN.withDescription(e.getMessage());
        };
        ErrorBody body = ErrorBody.of(status);
        return Response.status(http).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    static Response json(Status status) {
        return Response.status(ErrorBody.httpStatus(status.getCode())).type(MediaType.APPLICATION_JSON).entity(ErrorBody.of(status)).build();
    }
}

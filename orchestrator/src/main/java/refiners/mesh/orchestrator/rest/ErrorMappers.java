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

    static Response json(Status status) {
        return Response.status(ErrorBody.httpStatus(status.getCode())).type(MediaType.APPLICATION_JSON).entity(ErrorBody.of(status)).build();
    }
}

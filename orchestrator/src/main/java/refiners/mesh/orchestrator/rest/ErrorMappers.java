package refiners.mesh.orchestrator.rest;

import io.grpc.Status;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.grpc.StatusRuntimeException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
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

    /** A field of the wrong type ("steps": "many"): INVALID_ARGUMENT naming the field. */
    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e) {
        String field = field(e);
        String expected = e.getTargetType() == null ? "another type" : switch (e.getTargetType().getSimpleName()) {
            case "Integer", "Long" -> "an integer";
            case "Double", "Float" -> "a number";
            case "String" -> "a string";
            case "List" -> "a list";
            case "byte[]" -> "an image as base64";
            default -> "an object";
        };
        return json(Status.INVALID_ARGUMENT.withDescription(field + ": expected " + expected));
    }

    /**
     * A field the body type does not have (quarkus.jackson.fail-on-unknown-properties), most likely misspelt
     * ("strenght"): INVALID_ARGUMENT naming it, rather than a generation with that field's default.
     */
    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
        // the field given, not parsed back from the message: an unknown name may be spelt any way ("negativePrompt")
        String field = field(e);
        ErrorBody body = new ErrorBody(Status.Code.INVALID_ARGUMENT.name(), field, field + ": unknown field (known: " + known + ")");
        return Response.status(400).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    /** The path of the JSON field at fault, as the gRPC messages name fields: loras[1].scale. */
    private static String field(MismatchedInputException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("body");
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

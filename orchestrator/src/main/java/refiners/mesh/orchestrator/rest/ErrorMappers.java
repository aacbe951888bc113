package refiners.mesh.orchestrator.rest;

import io.grpc.Status;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.grpc.StatusRuntimeException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** gRPC statuses (the mesh's error vocabulary) as JSON error responses with the matching HTTP status. */
public class ErrorMappers {
    @ServerExceptionMapper
    public Response status(StatusRuntimeException e, UriInfo uri) {
        return respond(uri, e.getStatus(), null);
    }

    @ServerExceptionMapper
    public Response malformedJson(com.fasterxml.jackson.core.JacksonException e, UriInfo uri) {
        return respond(uri, Status.INVALID_ARGUMENT.withDescription("body: " + e.getOriginalMessage()), "body");
    }

    /** A field of the wrong type ("steps": "many"): INVALID_ARGUMENT naming the field. */
    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e, UriInfo uri) {
        String field = field(e);
        String expected = e.getTargetType() == null ? "another type" : switch (e.getTargetType().getSimpleName()) {
            case "Integer", "Long" -> "an integer";
            case "Double", "Float" -> "a number";
            case "String" -> "a string";
            case "List" -> "a list";
            case "byte[]" -> "an image as base64";
            default -> "an object";
        };
        return respond(uri, Status.INVALID_ARGUMENT.withDescription(field + ": expected " + expected), field);
    }

    /**
     * A field the body type does not have (quarkus.jackson.fail-on-unknown-properties), most likely misspelt
     * ("strenght"): INVALID_ARGUMENT naming it, rather than a generation with that field's default.
     */
    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e, UriInfo uri) {
        String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
        // the field given, not parsed back from the message: an unknown name may be spelt any way ("negativePrompt")
        String field = field(e);
        return respond(uri, Status.INVALID_ARGUMENT.withDescription(field + ": unknown field (known: " + known + ")"), field);
    }

    /** The path of the JSON field at fault, as the gRPC messages name fields: loras[1].scale. */
    private static String field(MismatchedInputException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("body");
    }

    /** Errors Quarkus raises before the resource runs (unreadable body, unknown path, wrong method or media type). */
    @ServerExceptionMapper
    public Response web(jakarta.ws.rs.WebApplicationException e, UriInfo uri) {
        int http = e.getResponse().getStatus();
        Status status = switch (http) {
            case 400 -> Status.INVALID_ARGUMENT.withDescription("body: " + e.getMessage());
            case 404 -> Status.NOT_FOUND.withDescription(e.getMessage());
            default -> Status.UNKNOWN.withDescription(e.getMessage());
        };
        if (OpenAiError.route(uri.getPath())) return OpenAiError.response(http, status, ErrorBody.of(status).field());
        if (A1111Error.route(uri.getPath())) return A1111Error.response(http, status, null);
        return Response.status(http).type(MediaType.APPLICATION_JSON).entity(ErrorBody.of(status)).build();
    }

    /**
     * The error in the route's shape: OpenAI's on its routes (param: {@code field}, or the field the message names),
     * A1111's on its routes (A1111Error), else ErrorBody (the field the message names; an unknown field's name as given).
     */
    static Response respond(UriInfo uri, Status status, String field) {
        if (OpenAiError.route(uri.getPath())) return OpenAiError.response(status, field != null ? field : ErrorBody.of(status).field());
        if (A1111Error.route(uri.getPath())) return A1111Error.response(status, field);
        ErrorBody body = ErrorBody.of(status);
        if (field != null && body.field() == null) body = new ErrorBody(body.code(), field, body.message());
        return Response.status(ErrorBody.httpStatus(status.getCode())).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}

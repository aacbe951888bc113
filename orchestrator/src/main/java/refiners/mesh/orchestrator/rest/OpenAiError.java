package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.grpc.Status;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** An error of the OpenAI-compatible routes in OpenAI's shape: {"error": {"message", "type", "param", "code"}}. */
public record OpenAiError(Detail error) {
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Detail(String message, String type, String param, String code) {}

    /** Paths answered in this shape. */
    public static boolean route(String path) {
        return path.startsWith("/v1/images/generations") || path.startsWith("/v1/images/edits");
    }

    /** @param param the OpenAI request field at fault (null: none) */
    public static Response response(Status status, String param) {
        return response(ErrorBody.httpStatus(status.getCode()), status, param);
    }

    static Response response(int http, Status status, String param) {
        String type = switch (http) {
            case 400, 404 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 429 -> "rate_limit_error";
            default -> "server_error";
        };
        String message = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        return Response.status(http).type(MediaType.APPLICATION_JSON)
                .entity(new OpenAiError(new Detail(message, type, param, status.getCode().name().toLowerCase(java.util.Locale.ROOT)))).build();
    }
}

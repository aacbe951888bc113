package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.grpc.Status;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A REST error: the gRPC status code, the request field at fault (null when none) and the message; always all three. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ErrorBody(String code, String field, String message) {
    // "field: ..." or "some-svc: field: ..." (a stage's answer)
    private static final Pattern FIELD = Pattern.compile("^(?:[a-z-]+-svc: )?([a-z_]+(?:\\[\\d+])?(?:\\.[a-z_]+)*): ");

    public static ErrorBody of(Status status) {
        String message = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        String field = null;
        if (status.getCode() == Status.Code.INVALID_ARGUMENT || status.getCode() == Status.Code.NOT_FOUND) {
            Matcher m = FIELD.matcher(message);
            if (m.find()) field = m.group(1);
        }
        return new ErrorBody(status.getCode().name(), field, message);
    }

    /** 400 bad input, 401 no valid API key, 404 unknown LoRA, 429 queue full, 503 stage down, 504 too slow, 499 cancelled, 501 a stage without the RPC, else 500. */
    public static int httpStatus(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case NOT_FOUND -> 404;
            case UNAUTHENTICATED -> 401;
            case RESOURCE_EXHAUSTED -> 429;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case CANCELLED -> 499;
            case UNIMPLEMENTED -> 501; // a stage of an older version, without the RPC
            default -> 500;
        };
    }
}

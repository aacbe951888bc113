package refiners.mesh.orchestrator.rest;

import io.grpc.Status;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An error of the AUTOMATIC1111-compatible routes (/sdapi/) in A1111's shapes: bad input as FastAPI's validation
 * error, 422 {"detail": [{"loc": ["body", field...], "msg", "type"}]}; anything else as A1111's API middleware answers,
 * {"error", "detail", "body", "errors"} with the HTTP status. Fields are named as A1111 names them (cfg_scale, not
 * guidance_scale), in the message too.
 */
public final class A1111Error {
    /** Our field names (the gRPC request's) where A1111 has its own; a LoRA comes from a tag of the prompt. */
    private static final Map<String, String> FIELDS = Map.of("guidance_scale", "cfg_scale", "solver", "sampler_name", "sigma_schedule", "scheduler",
            "num_images", "batch_size", "init_image", "init_images[0]", "strength", "denoising_strength", "loras", "prompt");
    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");

    private A1111Error() {}

    /** FastAPI's validation error. */
    public record Validation(List<Item> detail) {
        public record Item(List<Object> loc, String msg, String type) {}
    }

    /** A1111's other errors: the error's kind (here the gRPC status code), the message twice (detail, errors), no body. */
    public record Other(String error, String detail, String body, String errors) {
        public Other(String error, String message) {
            this(error, message, "", message);
        }
    }

    public static boolean route(String path) {
        return path.startsWith("/sdapi/");
    }

    /** @param field the A1111 field at fault as the client wrote it (null: the field the message names, renamed) */
    static Response response(int http, Status status, String field) {
        String message = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        if (field == null) {
            String ours = ErrorBody.of(status).field();
            if (ours != null) {
                field = renamed(ours);
                // a LoRA's field stays in the message (which tag); the others take the A1111 name
                message = ours.startsWith("loras") ? field + ": " + message
                        : message.replaceFirst(Pattern.quote(ours) + ": ", Matcher.quoteReplacement(field) + ": ");
            }
        }
        if (status.getCode() == Status.Code.INVALID_ARGUMENT && field != null)
            return json(422, new Validation(List.of(new Validation.Item(loc(field), message, "value_error"))));
        return json(http, new Other(status.getCode().name(), message));
    }

    static Response response(Status status, String field) {
        return response(ErrorBody.httpStatus(status.getCode()), status, field);
    }

    private static Response json(int http, Object body) {
        return Response.status(http).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    /** loras[1].scale is the prompt's (its tags), init_image is init_images[0] ... */
    static String renamed(String ours) {
        String head = ours.split("[.\\[]", 2)[0];
        String theirs = FIELDS.get(head);
        if (theirs == null) return ours;
        return head.equals("loras") ? theirs : theirs + ours.substring(head.length());
    }

    /** FastAPI's loc: "body", then the field's path, list indexes as numbers: init_images[0] is ["body", "init_images", 0]. */
    static List<Object> loc(String field) {
        List<Object> loc = new ArrayList<>(List.of("body"));
        if (field.equals("body")) return loc;
        for (String part : field.split("\\.")) {
            Matcher m = INDEX.matcher(part);
            int bracket = part.indexOf('[');
            loc.add(bracket < 0 ? part : part.substring(0, bracket));
            while (m.find()) loc.add(Integer.parseInt(m.group(1)));
        }
        return loc;
    }
}

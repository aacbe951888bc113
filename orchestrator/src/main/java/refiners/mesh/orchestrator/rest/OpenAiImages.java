package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import refiners.mesh.orchestrator.Catalog;
import refiners.mesh.orchestrator.Generations;
import refiners.mesh.orchestrator.ImageBatch;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.Result;

/**
 * What both OpenAI Images routes share: their common fields checked and put on a GenerateRequest (a field at fault
 * is INVALID_ARGUMENT naming the OpenAI field), the images generated, the answer in OpenAI's shape (b64_json only).
 */
@ApplicationScoped
public class OpenAiImages {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,5})x(\\d{1,5})");

    @Inject
    Generations generations;
    @Inject
    Catalog catalog;

    /** {"created", "data": [{"b64_json", "revised_prompt"}]}, as OpenAI answers. */
    public record Answer(long created, List<Image> data) {}

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Image(@JsonProperty("b64_json") String b64Json, @JsonProperty("revised_prompt") String revisedPrompt) {}

    /** The fields of both routes on {@code b}: prompt (required), n, size "WxH", response_format, model. */
    public GenerateRequest.Builder common(GenerateRequest.Builder b, String prompt, Integer n, String size, String responseFormat, String model) {
        if (prompt == null || prompt.isBlank()) throw refused("prompt", "is required");
        b.setPrompt(prompt);
        if (n != null) b.setNumImages(n); // 1..8, checked with the request (num_images), named n below
        if (size != null && !size.equals("auto")) {
            Matcher m = SIZE.matcher(size);
            if (!m.matches()) throw refused("size", "must be WIDTHxHEIGHT in pixels, e.g. 512x512, got '" + size + "'");
            b.setWidth(Integer.parseInt(m.group(1))).setHeight(Integer.parseInt(m.group(2)));
        }
        if (responseFormat != null && !responseFormat.equals("b64_json"))
            throw refused("response_format", responseFormat.equals("url") ? "url is not served (no image hosting): use b64_json"
                    : "must be b64_json, got '" + responseFormat + "'");
        if (model != null && !model.isBlank()) {
            // a served model by its id (sd15, sdxl) or its weights' name
            var served = catalog.models().stream().filter(m -> m.getId().equals(model) || m.getName().equals(model)).findFirst();
            if (served.isEmpty()) throw refused("model", "unknown model '" + model + "' (served: " + String.join(", ", catalog.models().stream()
                    .map(m -> m.getId() + " (" + m.getName() + ")").toList()) + ")");
            b.setModel(served.get().getId());
        }
        return b;
    }

    /** Generates the request's images (all of them before answering) and answers them in image order. */
    public Answer generate(GenerateRequest request) {
        List<Result> results;
        try {
            results = ImageBatch.generate(generations, request, null).filter(GenerateEvent::hasResult).map(GenerateEvent::getResult)
                    .collect().asList().await().indefinitely();
        } catch (io.grpc.StatusRuntimeException e) {
            throw renamed(e);
        }
        List<Image> data = results.stream().sorted(Comparator.comparingInt(Result::getImageIndex))
                .map(r -> new Image(Base64.getEncoder().encodeToString(r.getPng().toByteArray()), null)).toList();
        return new Answer(System.currentTimeMillis() / 1000, data);
    }

    /** Our field names where OpenAI has its own: num_images is n, width and height are size, init_image is image. */
    static io.grpc.StatusRuntimeException renamed(io.grpc.StatusRuntimeException e) {
        String d = e.getStatus().getDescription();
        if (d == null) return e;
        for (String[] r : new String[][] {{"num_images: ", "n: "}, {"width: ", "size: "}, {"height: ", "size: "}, {"init_image: ", "image: "}})
            if (d.startsWith(r[0])) return e.getStatus().withDescription(r[1] + d.substring(r[0].length())).asRuntimeException();
        return e;
    }

    static io.grpc.StatusRuntimeException refused(String field, String why) {
        return Status.INVALID_ARGUMENT.withDescription(field + ": " + why).asRuntimeException();
    }
}

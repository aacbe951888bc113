package refiners.mesh.orchestrator.rest;

import com.google.protobuf.ByteString;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import refiners.mesh.MeshConfig;
import refiners.proto.orchestrator.v1.GenerateRequest;

/**
 * POST /v1/images/edits, OpenAI's Images API (multipart): image and mask (PNG; the mask's transparent pixels are
 * edited; without a mask, the image's own), prompt, n, size (the image's, if given), response_format, model: inpainting.
 * user, quality and style are ignored. Errors in OpenAI's shape.
 */
@Path("/v1/images/edits")
public class OpenAiEditsResource {
    @Inject
    OpenAiImages images;
    @Inject
    MeshConfig mesh;

    @POST
    @Blocking
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public OpenAiImages.Answer edit(@RestForm("image") FileUpload image, @RestForm("mask") FileUpload mask, @RestForm("prompt") String prompt,
                                    @RestForm("n") String n, @RestForm("size") String size, @RestForm("response_format") String responseFormat,
                                    @RestForm("model") String model) {
        if (image == null) throw OpenAiImages.refused("image", "is required (a PNG file)");
        byte[] picture = bytes(image);
        byte[] repaint = MaskPngs.whereTransparent(mask != null ? bytes(mask) : picture, mesh.maxPixels(), mask != null ? "mask" : "image");
        GenerateRequest.Builder b = GenerateRequest.newBuilder().setInitImage(ByteString.copyFrom(picture)).setMask(ByteString.copyFrom(repaint));
        images.common(b, prompt, integer("n", n), size, responseFormat, model);
        return images.generate(b.build());
    }

    private static Integer integer(String field, String value) {
        if (value == null || value.isBlank()) return null;
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw OpenAiImages.refused(field, "expected an integer, got '" + value + "'");
        }
    }

    private static byte[] bytes(FileUpload upload) {
        try {
            return Files.readAllBytes(upload.uploadedFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

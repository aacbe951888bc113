package refiners.mesh.orchestrator.rest;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import refiners.fluxion.Tensor;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;
import refiners.mesh.MeshConfig;

/**
 * POST /v1/preprocess: a picture as a ControlNet's {@code preprocess} turns it into its condition ({"image",
 * "preprocess"} in, a PNG out), so that a client can show the condition before generating (the playground's Canny
 * preview): the same code as the generation's, run here where the generation runs it.
 */
@Path("/v1/preprocess")
public class PreprocessResource {
    @Inject
    MeshConfig config;

    public record PreprocessRequest(byte[] image, String preprocess) {}

    @POST
    @Blocking // decodes and filters the picture
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces("image/png")
    public byte[] preprocess(PreprocessRequest body) {
        if (body == null) body = new PreprocessRequest(null, null);
        String preprocess = body.preprocess() == null || body.preprocess().isBlank() ? "none" : body.preprocess();
        if (!GenerationRequest.PREPROCESSORS.contains(preprocess))
            throw invalid("preprocess", "unknown preprocessing '" + preprocess + "' (known: " + String.join(", ", GenerationRequest.PREPROCESSORS) + ")");
        if (body.image() == null || body.image().length == 0) throw invalid("image", "is missing (PNG or JPEG)");
        Tensor rgb;
        try {
            rgb = Images.decodeRgb(body.image(), config.maxPixels());
        } catch (IllegalArgumentException e) {
            throw invalid("image", e.getMessage());
        }
        return Images.rgbToPng(StableDiffusion_1.preprocessed(rgb, preprocess));
    }

    private static StatusRuntimeException invalid(String field, String message) {
        return Status.INVALID_ARGUMENT.withDescription(field + ": " + message).asRuntimeException();
    }
}

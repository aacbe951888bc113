package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import refiners.mesh.MeshConfig;
import refiners.mesh.orchestrator.Catalog;
import refiners.mesh.orchestrator.Generations;
import refiners.mesh.orchestrator.ImageBatch;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.Model;
import refiners.proto.orchestrator.v1.Result;

/**
 * POST /sdapi/v1/txt2img and /img2img, AUTOMATIC1111's API (A1111Request: the fields honoured, the others ignored):
 * the request becomes a GenerateRequest validated as any other, its batch_size × n_iter images are one num_images
 * request (image i: seed + i, as A1111), the answer is A1111's {images, parameters, info} with info a JSON string.
 * Errors in A1111's shapes (A1111Error).
 */
@Path("/sdapi/v1")
public class A1111ImagesResource {
    private static final SecureRandom SEEDS = new SecureRandom();
    /** A1111 draws random seeds below 2^32 - 1 (clients keep them in 32 bits). */
    private static final long SEED_BOUND = 4294967294L;
    // progress previews (current_image) of every step: a 1/64-size PNG of the latents, cheap beside a UNet step
    private static final int PREVIEW_EVERY = 1;

    @Inject
    Generations generations;
    @Inject
    Catalog catalog;
    @Inject
    MeshConfig mesh;
    @Inject
    A1111Jobs jobs;
    @Inject
    ObjectMapper json;

    /** A1111's TextToImageResponse / ImageToImageResponse. */
    public record Answer(List<String> images, ObjectNode parameters, String info) {}

    @POST
    @Path("txt2img")
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Answer txt2img(JsonNode body) throws JsonProcessingException {
        return generate("txt2img", body, false);
    }

    @POST
    @Path("img2img")
    @Blocking
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Answer img2img(JsonNode body) throws JsonProcessingException {
        return generate("img2img", body, true);
    }

    private Answer generate(String kind, JsonNode body, boolean img2img) throws JsonProcessingException {
        if (body == null) body = json.createObjectNode();
        A1111Request r = json.treeToValue(body, A1111Request.class); // a field of the wrong type: ErrorMappers.wrongType
        A1111Prompt prompt = A1111Prompt.parse(r.prompt());
        GenerateRequest.Builder b = GenerateRequest.newBuilder().setPrompt(prompt.text()).addAllLoras(prompt.loras())
                .setNegativePrompt(r.negativePrompt() == null ? "" : r.negativePrompt()).setSteps(r.stepsOrDefault())
                .setGuidanceScale((float) r.cfgScaleOrDefault());
        String sampler = A1111Samplers.apply(b, r.sampler(), r.scheduler());
        long seed = r.seed() == null || r.seed() == -1 ? SEEDS.nextLong(SEED_BOUND) : r.seed();
        int count = r.images();
        b.setSeed(seed).setNumImages(count).setPreviewEvery(PREVIEW_EVERY);
        if (img2img) initImage(b, r);
        // img2img without a size: the init image's (A1111 would resize it to 512 x 512)
        if (!img2img || r.width() != null) b.setWidth(r.widthOrDefault());
        if (!img2img || r.height() != null) b.setHeight(r.heightOrDefault());
        if (!prompt.loras().isEmpty()) requireServed(prompt.loras());
        GenerateRequest request = b.build();
        var events = ImageBatch.generate(generations, request, null); // validates: a bad field throws before anything runs
        A1111Jobs.Job job = jobs.start(kind, count, request.getSteps());
        List<Result> results;
        try {
            results = job.run(events);
        } finally {
            jobs.end(job);
        }
        Model model = catalog.models().get(0);
        List<Long> seeds = new ArrayList<>();
        for (int i = 0; i < count; i++) seeds.add(seed + i);
        int width = results.isEmpty() ? request.getWidth() : results.get(0).getWidth(), height = results.isEmpty() ? request.getHeight() : results.get(0).getHeight();
        A1111Info info = A1111Info.of(r, sampler, seeds, width, height, model.getName(), img2img ? request.getStrength() : null,
                !request.getMask().isEmpty() && model.getInpainting(), job.timestamp);
        boolean send = r.sendImages() == null || r.sendImages();
        List<String> images = send ? results.stream().map(x -> Base64.getEncoder().encodeToString(x.getPng().toByteArray())).toList() : List.of();
        return new Answer(images, parameters(body, r, seed, img2img), json.writeValueAsString(info));
    }

    /** init_images (one), denoising_strength, mask and inpainting_mask_invert on {@code b}. */
    private void initImage(GenerateRequest.Builder b, A1111Request r) {
        if (r.initImages() == null || r.initImages().isEmpty()) throw OpenAiImages.refused("init_images", "is required (one base64 image)");
        if (r.initImages().size() > 1) throw OpenAiImages.refused("init_images", "one image is served, got " + r.initImages().size());
        b.setInitImage(ByteString.copyFrom(base64("init_images[0]", r.initImages().get(0))));
        b.setStrength(r.denoisingStrength() != null ? r.denoisingStrength() : A1111Request.DENOISING_STRENGTH);
        if (r.mask() == null || r.mask().isEmpty()) return;
        byte[] mask = base64("mask", r.mask());
        int invert = r.inpaintingMaskInvert() == null ? 0 : r.inpaintingMaskInvert();
        if (invert != 0 && invert != 1) throw OpenAiImages.refused("inpainting_mask_invert", "must be 0 (repaint the white) or 1 (the black), got " + invert);
        // A1111 repaints the white pixels of the mask, as we do; inverted, the black ones
        b.setMask(ByteString.copyFrom(invert == 1 ? MaskPngs.inverted(mask, mesh.maxPixels(), "mask") : mask));
    }

    /** An image as A1111 sends it: base64, with or without a data: URL prefix. */
    static byte[] base64(String field, String value) {
        String data = value.startsWith("data:") && value.indexOf(',') > 0 ? value.substring(value.indexOf(',') + 1) : value;
        if (data.startsWith("http://") || data.startsWith("https://")) throw OpenAiImages.refused(field, "URLs are not fetched: send the image as base64");
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(data.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            bytes = new byte[0];
        }
        if (bytes.length == 0) throw OpenAiImages.refused(field, "is not base64 (a PNG or JPEG, optionally as a data: URL)");
        return bytes;
    }

    /** Every LoRA of the prompt's tags is one the mesh serves (the stage would refuse it too, naming no tag). */
    private void requireServed(List<LoraWeight> loras) {
        List<String> served = catalog.loras().stream().map(refiners.proto.orchestrator.v1.Lora::getName).toList();
        for (LoraWeight l : loras)
            if (!served.contains(l.getName()))
                throw OpenAiImages.refused("prompt", "unknown LoRA '" + l.getName() + "' in <lora:" + l.getName() + ":...> (served: " + String.join(", ", served) + ")");
    }

    /**
     * A1111 echoes the request (its model's every field): here A1111's defaults of the fields we honour, then the body
     * as sent (unknown fields too), with the seed actually used; the images sent only with include_init_images.
     */
    private ObjectNode parameters(JsonNode body, A1111Request r, long seed, boolean img2img) {
        ObjectNode p = json.createObjectNode().put("prompt", "").put("negative_prompt", "").put("seed", -1L).put("sampler_name", A1111Samplers.DEFAULT)
                .put("batch_size", 1).put("n_iter", 1).put("steps", A1111Request.STEPS).put("cfg_scale", A1111Request.CFG_SCALE)
                .put("width", A1111Request.SIZE).put("height", A1111Request.SIZE);
        if (img2img) p.put("denoising_strength", A1111Request.DENOISING_STRENGTH).putNull("init_images").putNull("mask").put("inpainting_mask_invert", 0);
        if (body.isObject()) p.setAll((ObjectNode) body);
        p.put("seed", seed);
        if (img2img && !Boolean.TRUE.equals(r.includeInitImages())) p.putNull("init_images").putNull("mask");
        return p;
    }
}

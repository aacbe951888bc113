package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.protobuf.ByteString;
import java.util.List;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.ControlnetRequest;
import refiners.proto.orchestrator.v1.GenerateRequest;

/**
 * The JSON body of POST /v1/images; absent fields take the same defaults as over gRPC. Images (init_image, mask,
 * controlnets[].image, image_prompts[].image, reference_image) are PNG or JPEG bytes in base64.
 */
public record ImageRequest(
        String prompt,
        @JsonProperty("negative_prompt") String negativePrompt,
        Integer steps,
        @JsonProperty("guidance_scale") Double guidanceScale,
        String solver,
        Integer width,
        Integer height,
        Long seed,
        List<Lora> loras,
        @JsonProperty("init_image") byte[] initImage,
        Double strength,
        byte[] mask,
        List<Controlnet> controlnets,
        @JsonProperty("timesteps_spacing") String timestepsSpacing,
        @JsonProperty("timesteps_offset") Integer timestepsOffset,
        @JsonProperty("noise_schedule") String noiseSchedule,
        @JsonProperty("sigma_schedule") String sigmaSchedule,
        @JsonProperty("sde_variance") Double sdeVariance,
        @JsonProperty("last_step_first_order") Boolean lastStepFirstOrder,
        @JsonProperty("image_prompts") List<ImagePrompt> imagePrompts,
        @JsonProperty("ip_adapter") String ipAdapter,
        @JsonProperty("ip_adapter_scale") Double ipAdapterScale,
        @JsonProperty("reference_image") byte[] referenceImage,
        @JsonProperty("reference_style_cfg") Double referenceStyleCfg,
        @JsonProperty("num_images") Integer numImages,
        @JsonProperty("preview_every") Integer previewEvery,
        String model) {

    /** One image, no previews. */
    public ImageRequest(String prompt, String negativePrompt, Integer steps, Double guidanceScale, String solver, Integer width, Integer height,
                        Long seed, List<Lora> loras, byte[] initImage, Double strength, byte[] mask, List<Controlnet> controlnets,
                        String timestepsSpacing, Integer timestepsOffset, String noiseSchedule, String sigmaSchedule, Double sdeVariance,
                        Boolean lastStepFirstOrder) {
        this(prompt, negativePrompt, steps, guidanceScale, solver, width, height, seed, loras, initImage, strength, mask, controlnets,
                timestepsSpacing, timestepsOffset, noiseSchedule, sigmaSchedule, sdeVariance, lastStepFirstOrder, null, null, null, null, null, null, null, null);
    }

    /** Without solver options (the solvers' defaults). */
    public ImageRequest(String prompt, String negativePrompt, Integer steps, Double guidanceScale, String solver, Integer width, Integer height,
                        Long seed, List<Lora> loras, byte[] initImage, Double strength, byte[] mask, List<Controlnet> controlnets) {
        this(prompt, negativePrompt, steps, guidanceScale, solver, width, height, seed, loras, initImage, strength, mask, controlnets,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** A request without a body: every field at its default. */
    public static ImageRequest orEmpty(ImageRequest body) {
        return body != null ? body : new ImageRequest(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public record Lora(String name, Double scale) {}

    public record Controlnet(String name, byte[] image, Double scale, @JsonProperty("scale_decay") Double scaleDecay, String preprocess) {}

    public record ImagePrompt(byte[] image, Double scale) {}

    /** The gRPC request, so both front doors share one validation. */
    public GenerateRequest toGenerateRequest() {
        GenerateRequest.Builder b = GenerateRequest.newBuilder();
        if (prompt != null) b.setPrompt(prompt);
        if (negativePrompt != null) b.setNegativePrompt(negativePrompt);
        if (steps != null) b.setSteps(steps);
        if (guidanceScale != null) b.setGuidanceScale(guidanceScale.floatValue());
        if (solver != null) b.setSolver(solver);
        if (width != null) b.setWidth(width);
        if (height != null) b.setHeight(height);
        if (seed != null) b.setSeed(seed);
        if (loras != null)
            for (Lora l : loras) {
                LoraWeight.Builder lora = LoraWeight.newBuilder().setName(l.name() == null ? "" : l.name());
                if (l.scale() != null) lora.setScale(l.scale().floatValue());
                b.addLoras(lora);
            }
        if (initImage != null) b.setInitImage(ByteString.copyFrom(initImage));
        if (strength != null) b.setStrength(strength);
        if (mask != null) b.setMask(ByteString.copyFrom(mask));
        if (controlnets != null)
            for (Controlnet c : controlnets) {
                ControlnetRequest.Builder cn = ControlnetRequest.newBuilder().setName(c.name() == null ? "" : c.name())
                        .setPreprocess(c.preprocess() == null ? "" : c.preprocess());
                if (c.image() != null) cn.setImage(ByteString.copyFrom(c.image()));
                if (c.scale() != null) cn.setScale(c.scale());
                if (c.scaleDecay() != null) cn.setScaleDecay(c.scaleDecay());
                b.addControlnets(cn);
            }
        if (timestepsSpacing != null) b.setTimestepsSpacing(timestepsSpacing);
        if (timestepsOffset != null) b.setTimestepsOffset(timestepsOffset);
        if (noiseSchedule != null) b.setNoiseSchedule(noiseSchedule);
        if (sigmaSchedule != null) b.setSigmaSchedule(sigmaSchedule);
        if (sdeVariance != null) b.setSdeVariance(sdeVariance);
        if (lastStepFirstOrder != null) b.setLastStepFirstOrder(lastStepFirstOrder);
        if (imagePrompts != null)
            for (ImagePrompt p : imagePrompts) {
                var prompt = refiners.proto.orchestrator.v1.ImagePrompt.newBuilder();
                if (p.image() != null) prompt.setImage(ByteString.copyFrom(p.image()));
                if (p.scale() != null) prompt.setScale(p.scale());
                b.addImagePrompts(prompt);
            }
        if (ipAdapter != null) b.setIpAdapter(ipAdapter);
        if (ipAdapterScale != null) b.setIpAdapterScale(ipAdapterScale);
        if (referenceImage != null) b.setReferenceImage(ByteString.copyFrom(referenceImage));
        if (referenceStyleCfg != null) b.setReferenceStyleCfg(referenceStyleCfg);
        if (numImages != null) b.setNumImages(numImages);
        if (previewEvery != null) b.setPreviewEvery(previewEvery);
        if (model != null) b.setModel(model);
        return b.build();
    }
}

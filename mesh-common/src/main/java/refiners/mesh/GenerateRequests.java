package refiners.mesh;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import refiners.fluxion.InvalidRequestException;
import refiners.fluxion.Tensor;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.ControlnetInput;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.ImagePromptInput;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.IpAdapterInput;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.ReferenceInput;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraSet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SolverOptions;
import refiners.proto.orchestrator.v1.ControlnetRequest;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.ImagePrompt;

/**
 * The wire request to a validated GenerationRequest: defaults for unset fields (a random seed when none is given; the
 * init image's size when no size is given), images decoded (their size checked against the pixel budget before
 * decoding), every field checked. A bad field is an InvalidRequestException naming it.
 */
public final class GenerateRequests {
    private static final SecureRandom SEEDS = new SecureRandom();

    private GenerateRequests() {}

    public static GenerationRequest toGenerationRequest(GenerateRequest r, long maxPixels) {
        List<LoraWeight> loras = loras(r.getLorasList());
        Tensor initImage = r.getInitImage().isEmpty() ? null : decode("init_image", r.getInitImage().toByteArray(), maxPixels, Images::decodeRgb);
        Tensor mask = r.getMask().isEmpty() ? null : decode("mask", r.getMask().toByteArray(), maxPixels, Images::decodeL);
        List<ControlnetInput> controlnets = new ArrayList<>();
        for (int i = 0; i < r.getControlnetsCount(); i++) {
            ControlnetRequest c = r.getControlnets(i);
            String field = "controlnets[" + i + "].image";
            if (c.getImage().isEmpty()) throw new InvalidRequestException(field, "is missing (the condition image, PNG or JPEG)");
            controlnets.add(new ControlnetInput(c.getName(), decode(field, c.getImage().toByteArray(), maxPixels, Images::decodeRgb),
                    c.hasScale() ? c.getScale() : 1.0, c.hasScaleDecay() ? c.getScaleDecay() : 1.0, c.getPreprocess()));
        }
        return new GenerationRequest(
                r.getPrompt(),
                r.getNegativePrompt(),
                r.hasSteps() ? r.getSteps() : GenerationRequest.DEFAULT_STEPS,
                r.hasGuidanceScale() ? r.getGuidanceScale() : GenerationRequest.DEFAULT_GUIDANCE,
                r.getSolver(),
                r.hasWidth() ? r.getWidth() : initImage != null ? (int) initImage.dim(1) : GenerationRequest.DEFAULT_SIZE,
                r.hasHeight() ? r.getHeight() : initImage != null ? (int) initImage.dim(0) : GenerationRequest.DEFAULT_SIZE,
                r.hasSeed() ? r.getSeed() : randomSeed(),
                loras,
                initImage,
                r.hasStrength() ? r.getStrength() : 1.0,
                mask,
                controlnets,
                solverOptions(r),
                ipAdapter(r),
                reference(r, maxPixels)).validate(maxPixels);
    }

    /** The image prompts with their adapter, or null when the request names none of the three fields. */
    public static IpAdapterInput ipAdapter(GenerateRequest r) {
        if (r.getImagePromptsCount() == 0 && r.getIpAdapter().isEmpty() && !r.hasIpAdapterScale()) return null;
        List<ImagePromptInput> images = new ArrayList<>();
        for (int i = 0; i < r.getImagePromptsCount(); i++) {
            ImagePrompt p = r.getImagePrompts(i);
            String field = "image_prompts[" + i + "].image";
            if (p.getImage().isEmpty()) throw new InvalidRequestException(field, "is missing (PNG or JPEG)");
            images.add(new ImagePromptInput(decode(field, p.getImage().toByteArray(), GenerationRequest.MAX_IMAGE_PROMPT_PIXELS, Images::decodeRgb),
                    p.hasScale() ? p.getScale() : 1.0));
        }
        return new IpAdapterInput(r.getIpAdapter(), r.hasIpAdapterScale() ? r.getIpAdapterScale() : 1.0, images);
    }

    /** The reference image with its style_cfg, or null when the request sets neither field. */
    public static ReferenceInput reference(GenerateRequest r, long maxPixels) {
        if (r.getReferenceImage().isEmpty() && !r.hasReferenceStyleCfg()) return null;
        if (r.getReferenceImage().isEmpty()) throw new InvalidRequestException("reference_image", "is missing (reference_style_cfg goes with a reference image)");
        return new ReferenceInput(decode("reference_image", r.getReferenceImage().toByteArray(), maxPixels, Images::decodeRgb),
                r.hasReferenceStyleCfg() ? r.getReferenceStyleCfg() : GenerationRequest.DEFAULT_REFERENCE_STYLE_CFG);
    }

    /** The solver options set on the request (unset ones stay null: the solver's defaults). */
    public static SolverOptions solverOptions(GenerateRequest r) {
        return new SolverOptions(
                r.hasTimestepsSpacing() ? r.getTimestepsSpacing() : null,
                r.hasTimestepsOffset() ? r.getTimestepsOffset() : null,
                r.hasNoiseSchedule() ? r.getNoiseSchedule() : null,
                r.hasSigmaSchedule() ? r.getSigmaSchedule() : null,
                r.hasSdeVariance() ? r.getSdeVariance() : null,
                r.hasLastStepFirstOrder() ? r.getLastStepFirstOrder() : null);
    }

    /** A wire LoRA set as the library's: a LoRA without a scale is applied as trained (LoraSet.DEFAULT_SCALE). */
    public static List<LoraWeight> loras(List<refiners.proto.common.v1.LoraWeight> wire) {
        return wire.stream().map(l -> new LoraWeight(l.getName(), l.hasScale() ? l.getScale() : LoraSet.DEFAULT_SCALE)).toList();
    }

    private static Tensor decode(String field, byte[] data, long maxPixels, BiFunction<byte[], Long, Tensor> decoder) {
        try {
            return decoder.apply(data, maxPixels);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field, e.getMessage());
        }
    }

    /** Non-negative, so it reads the same in any client. */
    public static long randomSeed() {
        return SEEDS.nextLong() & Long.MAX_VALUE;
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import java.util.Locale;
import refiners.conversion.WeightsDirectory;
import refiners.fluxion.DType;
import refiners.fluxion.InvalidRequestException;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.solvers.LCMSolver;
import refiners.foundationals.latent_diffusion.solvers.SolverParams;
import refiners.foundationals.latent_diffusion.solvers.Timesteps;

/**
 * A generation request, validated the same way in process and through the mesh: text to image, and with an init image
 * image to image (strength), inpainting (a mask) and ControlNet conditioning, alone or together.
 *
 * @param loras LoRA names with user scales (1.0 = as trained), applied in order
 * @param initImage the image to start from, (H, W, 3) U8 RGB, or null
 * @param strength how much of the init image is repainted, in (0, 1]: the loop starts at refiners' first step
 *                 round((1 - strength) * (steps - 1)); 1 starts from pure noise with a mask, from the init image
 *                 noised to the first timestep without one
 * @param mask with an init image, the region to repaint (white), (H, W) U8 gray levels thresholded at 128: inpainting
 * @param controlnets ControlNets by name with their condition images
 * @param solverOptions the solver's options (null: its defaults)
 * @param ipAdapter image prompts through an IP-Adapter, or null
 * @param reference reference-only control's reference image, or null
 */
public record GenerationRequest(
        String prompt,
        String negativePrompt,
        int steps,
        double guidanceScale,
        String solver,
        int width,
        int height,
        long seed,
        List<LoraWeight> loras,
        Tensor initImage,
        double strength,
        Tensor mask,
        List<ControlnetInput> controlnets,
        SolverOptions solverOptions,
        IpAdapterInput ipAdapter,
        ReferenceInput reference) {

    public static final int DEFAULT_STEPS = 30;
    public static final double DEFAULT_GUIDANCE = 7.5;
    public static final String DEFAULT_SOLVER = "dpm";
    public static final int DEFAULT_SIZE = 512;
    public static final int MAX_STEPS = 150;
    public static final double MAX_GUIDANCE = 50;
    public static final int MIN_SIZE = 64;
    public static final int MAX_SIZE = 2048;
    public static final List<String> SOLVERS = List.of("dpm", "ddim", "euler", "lcm");
    /** LCM is distilled for guidance about 1 to 2; above this it burns the image, so it is refused. */
    public static final double MAX_LCM_GUIDANCE = 3;
    /** Guidance at or below this runs no unconditional branch: the conditional prediction is the noise. */
    public static final double GUIDANCE_OFF = 1;
    public static final int MAX_CONTROLNETS = 4;
    private static final int TRAIN_TIMESTEPS = SolverParams.DEFAULTS.numTrainTimesteps();
    /** Condition image preprocessing: none (also written "", the default), or Canny edges. */
    public static final List<String> PREPROCESSORS = List.of("none", "canny");
    public static final int MAX_IMAGE_PROMPTS = 4;
    /** An image prompt larger than this is refused before it is decoded (it is shrunk to 224 x 224 anyway). */
    public static final long MAX_IMAGE_PROMPT_PIXELS = 4096L * 4096;
    /** Bounds of an IP-Adapter's scale and of an image prompt's weight. */
    public static final double MAX_IMAGE_PROMPT_SCALE = 10;

    /** refiners' default style_cfg (the sd-webui extension's recommendation). */
    public static final double DEFAULT_REFERENCE_STYLE_CFG = 0.5;

    public record LoraWeight(String name, double scale) {}

    /**
     * Reference-only control: the reference image (H, W, 3) U8 RGB of the request's size (refiners encodes it at the
     * generation's latent size) and style_cfg in [0, 1], the weight of the reference-guided attention in the
     * unconditional half (1 - style_cfg: the plain one).
     */
    public record ReferenceInput(Tensor image, double styleCfg) {}

    /**
     * A ControlNet of the ControlNet directory, by name, with its condition image (H, W, 3) U8 RGB (or a photo, with
     * preprocess "canny"; "none", null or blank: the image is the condition), its scale and its scale_decay (the residual n gets scale * scale_decay^(12 - n)).
     */
    public record ControlnetInput(String name, Tensor image, double scale, double scaleDecay, String preprocess) {
        public ControlnetInput {
            preprocess = preprocess == null || preprocess.isBlank() ? "none" : preprocess.trim().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Image prompts through the IP-Adapter {@code name} of the IP-Adapter directory at {@code scale} (refiners'
     * IPAdapter.scale): each image (H, W, 3) U8 RGB of any size with its weight.
     */
    public record IpAdapterInput(String name, double scale, List<ImagePromptInput> images) {
        public IpAdapterInput {
            images = List.copyOf(images);
        }
    }

    /** An image prompt and its weight (refiners' compute_clip_image_embedding weights: its conditional tokens times it). */
    public record ImagePromptInput(Tensor image, double scale) {}

    /** Without image prompts. */
    public GenerationRequest(String prompt, String negativePrompt, int steps, double guidanceScale, String solver, int width, int height,
                             long seed, List<LoraWeight> loras, Tensor initImage, double strength, Tensor mask, List<ControlnetInput> controlnets,
                             SolverOptions solverOptions) {
        this(prompt, negativePrompt, steps, guidanceScale, solver, width, height, seed, loras, initImage, strength, mask, controlnets, solverOptions, null);
    }

    /** Without a reference image. */
    public GenerationRequest(String prompt, String negativePrompt, int steps, double guidanceScale, String solver, int width, int height,
                             long seed, List<LoraWeight> loras, Tensor initImage, double strength, Tensor mask, List<ControlnetInput> controlnets,
                             SolverOptions solverOptions, IpAdapterInput ipAdapter) {
        this(prompt, negativePrompt, steps, guidanceScale, solver, width, height, seed, loras, initImage, strength, mask, controlnets, solverOptions,
                ipAdapter, null);
    }

    /** The same request with these image prompts (null: none). */
    public GenerationRequest withIpAdapter(IpAdapterInput ipAdapter) {
        return new GenerationRequest(prompt, negativePrompt, steps, guidanceScale, solver, width, height, seed, loras, initImage, strength, mask,
                controlnets, solverOptions, ipAdapter, reference);
    }

    /** The same request with this reference image (null: none). */
    public GenerationRequest withReference(ReferenceInput reference) {
        return new GenerationRequest(prompt, negativePrompt, steps, guidanceScale, solver, width, height, seed, loras, initImage, strength, mask,
                controlnets, solverOptions, ipAdapter, reference);
    }

    public GenerationRequest {
        prompt = prompt == null ? "" : prompt;
        negativePrompt = negativePrompt == null ? "" : negativePrompt;
        solver = solver == null || solver.isBlank() ? DEFAULT_SOLVER : solver.trim().toLowerCase(Locale.ROOT);
        loras = loras == null ? List.of() : List.copyOf(loras);
        controlnets = controlnets == null ? List.of() : List.copyOf(controlnets);
        solverOptions = solverOptions == null ? SolverOptions.DEFAULT : solverOptions;
    }

    /** With the solver's default options. */
    public GenerationRequest(String prompt, String negativePrompt, int steps, double guidanceScale, String solver, int width, int height,
                             long seed, List<LoraWeight> loras, Tensor initImage, double strength, Tensor mask, List<ControlnetInput> controlnets) {
        this(prompt, negativePrompt, steps, guidanceScale, solver, width, height, seed, loras, initImage, strength, mask, controlnets, SolverOptions.DEFAULT);
    }

    /** Text to image. */
    public GenerationRequest(String prompt, String negativePrompt, int steps, double guidanceScale, String solver, int width, int height,
                             long seed, List<LoraWeight> loras) {
        this(prompt, negativePrompt, steps, guidanceScale, solver, width, height, seed, loras, null, 1.0, null, List.of());
    }

    /** A request with every default but the prompt and seed. */
    /** The same request with another seed (the images of a num_images request: seed + i). */
    public GenerationRequest withSeed(long seed) {
        return new GenerationRequest(prompt, negativePrompt, steps, guidanceScale, solver, width, height, seed, loras, initImage, strength, mask,
                controlnets, solverOptions, ipAdapter, reference);
    }

    public static GenerationRequest of(String prompt, long seed) {
        return new GenerationRequest(prompt, "", DEFAULT_STEPS, DEFAULT_GUIDANCE, DEFAULT_SOLVER, DEFAULT_SIZE, DEFAULT_SIZE, seed, List.of());
    }

    /** Checks every field; maxPixels bounds width x height (memory). */
    public GenerationRequest validate(long maxPixels) {
        if (steps < 1 || steps > MAX_STEPS) throw new InvalidRequestException("steps", "must be in 1.." + MAX_STEPS + ", got " + steps);
        if (!Double.isFinite(guidanceScale)) throw new InvalidRequestException("guidance_scale", "must be a finite number, got " + guidanceScale);
        if (guidanceScale < 0 || guidanceScale > MAX_GUIDANCE) throw new InvalidRequestException("guidance_scale", "must be in 0.." + (int) MAX_GUIDANCE + ", got " + guidanceScale);
        checkSolver();
        checkSize("width", width);
        checkSize("height", height);
        if ((long) width * height > maxPixels)
            throw new InvalidRequestException("width", width + "x" + height + " exceeds the " + maxPixels + "-pixel budget of this deployment");
        LoraSet.check(loras);
        if (!(strength > 0 && strength <= 1)) throw new InvalidRequestException("strength", "must be in (0, 1], got " + strength);
        if (initImage == null && strength != 1) throw new InvalidRequestException("strength", "needs an init_image");
        if (initImage != null) checkImage("init_image", initImage, 3);
        if (mask != null) {
            if (initImage == null) throw new InvalidRequestException("mask", "needs an init_image (the image to repaint)");
            checkImage("mask", mask, 1);
        }
        if (controlnets.size() > MAX_CONTROLNETS)
            throw new InvalidRequestException("controlnets", "at most " + MAX_CONTROLNETS + " ControlNets per request, got " + controlnets.size());
        for (int i = 0; i < controlnets.size(); i++) {
            ControlnetInput c = controlnets.get(i);
            String field = "controlnets[" + i + "]";
            WeightsDirectory.checkName(c.name(), field + ".name", "ControlNet");
            for (int j = 0; j < i; j++)
                if (controlnets.get(j).name().equals(c.name())) throw new InvalidRequestException(field + ".name", "'" + c.name() + "' is listed twice");
            if (c.image() == null) throw new InvalidRequestException(field + ".image", "is missing");
            checkImage(field + ".image", c.image(), 3);
            if (!Double.isFinite(c.scale()) || c.scale() < 0 || c.scale() > 10) throw new InvalidRequestException(field + ".scale", "must be in 0..10, got " + c.scale());
            if (!(c.scaleDecay() > 0 && c.scaleDecay() <= 1)) throw new InvalidRequestException(field + ".scale_decay", "must be in (0, 1], got " + c.scaleDecay());
            if (!PREPROCESSORS.contains(c.preprocess()))
                throw new InvalidRequestException(field + ".preprocess", "unknown preprocessing '" + c.preprocess() + "' (known: " + String.join(", ", PREPROCESSORS) + ")");
        }
        if (ipAdapter != null) checkIpAdapter();
        if (reference != null) checkReference();
        return this;
    }

    private void checkReference() {
        if (reference.image() == null) throw new InvalidRequestException("reference_image", "is missing (PNG or JPEG)");
        checkImage("reference_image", reference.image(), 3);
        // the guide pass is batched as refiners' [unconditional, conditional] pair, and runs the 4-channel UNet
        if (!guided()) throw new InvalidRequestException("reference_image", "needs guidance (guidance_scale above " + (int) GUIDANCE_OFF + ")");
        if (mask != null) throw new InvalidRequestException("reference_image", "does not go with a mask (inpainting)");
        double cfg = reference.styleCfg();
        if (!(cfg >= 0 && cfg <= 1)) throw new InvalidRequestException("reference_style_cfg", "must be in 0..1, got " + cfg);
    }

    private void checkIpAdapter() {
        List<ImagePromptInput> images = ipAdapter.images();
        if (images.isEmpty()) throw new InvalidRequestException("image_prompts", "is empty (ip_adapter and ip_adapter_scale go with image prompts)");
        if (images.size() > MAX_IMAGE_PROMPTS)
            throw new InvalidRequestException("image_prompts", "at most " + MAX_IMAGE_PROMPTS + " image prompts per request, got " + images.size());
        if (ipAdapter.name() == null || ipAdapter.name().isEmpty()) throw new InvalidRequestException("ip_adapter", "is missing (the IP-Adapter the image prompts go through)");
        WeightsDirectory.checkName(ipAdapter.name(), "ip_adapter", "IP-Adapter");
        checkImagePromptScale("ip_adapter_scale", ipAdapter.scale());
        for (int i = 0; i < images.size(); i++) {
            ImagePromptInput p = images.get(i);
            String field = "image_prompts[" + i + "]";
            if (p.image() == null || p.image().dtype() != DType.U8 || p.image().rank() != 3 || p.image().dim(2) != 3)
                throw new InvalidRequestException(field + ".image", "expected an 8-bit RGB image, got " + p.image());
            checkImagePromptScale(field + ".scale", p.scale());
        }
    }

    private static void checkImagePromptScale(String field, double v) {
        if (!Double.isFinite(v) || v < 0 || v > MAX_IMAGE_PROMPT_SCALE)
            throw new InvalidRequestException(field, "must be in 0.." + (int) MAX_IMAGE_PROMPT_SCALE + ", got " + v);
    }

    private void checkSolver() {
        if (solver.equals("ddpm")) throw new InvalidRequestException("solver", "ddpm is a training solver, it cannot generate (known: " + String.join(", ", SOLVERS) + ")");
        if (!SOLVERS.contains(solver)) throw new InvalidRequestException("solver", "unknown solver '" + solver + "' (known: " + String.join(", ", SOLVERS) + ")");
        solverOptions.check(solver);
        if (solver.equals("lcm") && guidanceScale > MAX_LCM_GUIDANCE)
            throw new InvalidRequestException("guidance_scale", "lcm takes guidance up to " + MAX_LCM_GUIDANCE + " (1 to 2 recommended), got " + guidanceScale);
        if (solver.equals("lcm") && steps > LCMSolver.DEFAULT_NUM_ORIG_STEPS)
            throw new InvalidRequestException("steps", "lcm takes at most " + LCMSolver.DEFAULT_NUM_ORIG_STEPS + " steps, got " + steps);
        Timesteps timesteps = StableDiffusion_1.solver(solver, solverOptions, steps, 0).timesteps();
        for (int i = 0; i < timesteps.size(); i++)
            if (timesteps.get(i) > TRAIN_TIMESTEPS - 1)
                throw new InvalidRequestException("timesteps_offset", "puts timestep " + timesteps.get(i) + " past the last trained one (" + (TRAIN_TIMESTEPS - 1) + ")");
    }

    /** Whether the UNet runs an unconditional branch (classifier-free guidance): only with guidance above 1. */
    public boolean guided() {
        return guidanceScale > GUIDANCE_OFF;
    }

    private static void checkSize(String field, int v) {
        if (v % 8 != 0) throw new InvalidRequestException(field, "must be a multiple of 8, got " + v);
        if (v < MIN_SIZE || v > MAX_SIZE) throw new InvalidRequestException(field, "must be in " + MIN_SIZE + ".." + MAX_SIZE + ", got " + v);
    }

    /** An 8-bit image of the request's size: (height, width, channels), or (height, width) for one channel. */
    private void checkImage(String field, Tensor image, int channels) {
        boolean shaped = image.dtype() == DType.U8 && (channels == 1 ? image.rank() == 2 : image.rank() == 3 && image.dim(2) == channels);
        if (!shaped) throw new InvalidRequestException(field, "expected an 8-bit " + (channels == 1 ? "gray" : "RGB") + " image, got " + image);
        if (image.dim(0) != height || image.dim(1) != width)
            throw new InvalidRequestException(field, "is " + image.dim(1) + "x" + image.dim(0) + " but the request is " + width + "x" + height);
    }

    /** The first denoising step: refiners' round((1 - strength) * (steps - 1)) (half to even, as Python), 0 without an init image. */
    public int firstStep() {
        return initImage == null ? 0 : (int) Math.rint((1 - strength) * (steps - 1));
    }

    /** Latent shape (1, 4, height / 8, width / 8). */
    public long[] latentShape() {
        return new long[] {1, 4, height / 8, width / 8};
    }
}

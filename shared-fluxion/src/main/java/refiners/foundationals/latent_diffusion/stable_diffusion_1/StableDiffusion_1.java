package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.ClassifierFreeGuidance;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.preprocessors.CannyEdges;
import refiners.foundationals.latent_diffusion.solvers.DDIM;
import refiners.foundationals.latent_diffusion.solvers.DPMSolver;
import refiners.foundationals.latent_diffusion.solvers.Euler;
import refiners.foundationals.latent_diffusion.solvers.LCMSolver;
import refiners.foundationals.latent_diffusion.solvers.SolverParams;
import refiners.foundationals.latent_diffusion.solvers.Solver;

/**
 * Stable Diffusion 1.x, as refiners' StableDiffusion_1 runs it: CLIP embeddings of (negative, prompt), the initial
 * latents (noise from the seed; with an init image, refiners' init_latents: its latents noised to the first step),
 * the UNet's conditions (inpainting's mask and masked-image latents, ControlNet conditions, the reference image's
 * latents), then per step from the
 * first one the solver's model input, the guided UNet noise, the solver step; finally the autoencoder decodes. The
 * loop is the same over in-process stages and over the mesh.
 */
public final class StableDiffusion_1 {
    private StableDiffusion_1() {}

    /** The solver a request names, running steps firstStep .. steps - 1 (refiners' set_inference_steps(steps, first_step)). */
    public static Solver solver(String name, int steps, int firstStep) {
        return solver(name, SolverOptions.DEFAULT, steps, firstStep);
    }

    /** The solver a request names with its options (checked by GenerationRequest.validate). */
    public static Solver solver(String name, SolverOptions options, int steps, int firstStep) {
        SolverParams params = options.params();
        return switch (name) {
            case "dpm" -> new DPMSolver(steps, firstStep, params, options.lastStepFirstOrderOrDefault());
            case "ddim" -> new DDIM(steps, firstStep, params);
            case "euler" -> new Euler(steps, firstStep, params);
            case "lcm" -> new LCMSolver(steps, firstStep, params, LCMSolver.DEFAULT_NUM_ORIG_STEPS);
            default -> throw new IllegalArgumentException("unknown solver " + name);
        };
    }

    /** (2, 77, 768): the negative prompt's embedding then the prompt's, encoded in one batch. */
    public static Tensor clipTextEmbedding(SD1Stages stages, String prompt, String negativePrompt, List<GenerationRequest.LoraWeight> loras) {
        return stages.encodeText(List.of(negativePrompt, prompt), loras);
    }

    /** The UNet's text conditions: with guidance (negative prompt's, prompt's) encoded in one batch; without, the prompt's alone. */
    private static TextConditions textConditions(SD1Stages stages, GenerationRequest request) {
        if (!request.guided()) return new TextConditions(stages.encodeText(List.of(request.prompt()), request.loras()), null, null);
        Tensor embedding = clipTextEmbedding(stages, request.prompt(), request.negativePrompt(), request.loras());
        return new TextConditions(Tensors.narrow(embedding, 1, 1), Tensors.narrow(embedding, 0, 1), null);
    }

    /** The image prompts' features (one image-encoder call) with the adapter and weights, or null without image prompts. */
    private static SD1Stages.ImagePrompt imagePrompt(SD1Stages stages, GenerationRequest.IpAdapterInput ipAdapter) {
        if (ipAdapter == null) return null;
        List<GenerationRequest.ImagePromptInput> images = ipAdapter.images();
        SD1Stages.ImageFeatures features = stages.encodeImages(images.stream().map(GenerationRequest.ImagePromptInput::image).toList());
        return new SD1Stages.ImagePrompt(ipAdapter.name(), ipAdapter.scale(), images.stream().map(GenerationRequest.ImagePromptInput::scale).toList(), features);
    }

    /**
     * The prompt's embedding (1, 77, D), the negative prompt's or null without guidance, and SDXL's added conditions
     * (null for SD 1.x).
     */
    public record TextConditions(Tensor conditional, Tensor unconditional, SD1Stages.TextTimeConditions textTime) {}

    /** How a model family computes a request's text conditions (SD 1.x: CLIP-L embeddings; SDXL: see StableDiffusion_XL). */
    public interface TextConditioner {
        TextConditions apply(SD1Stages stages, GenerationRequest request);
    }

    /** refiners' lda.image_to_latents: an (H, W, 3) U8 image encoded as 2 * pixel / 255 - 1. */
    public static Tensor imageToLatents(SD1Stages stages, Tensor image) {
        return stages.encode(Images.autoencoderInput(image));
    }

    /** refiners' init_latents before scale_model_input: the noise, or the init image's latents noised to the solver's first step. */
    public static Tensor initLatents(SD1Stages stages, Solver solver, Tensor initImage, Tensor noise) {
        if (initImage == null) return noise;
        Tensor encoded = imageToLatents(stages, initImage);
        return Tensor.ofFloats(noise.shape(), solver.addNoise(encoded.toFloatArray(), noise.toFloatArray(), solver.firstInferenceStep()));
    }

    /** A ControlNet's condition (1, 3, H, W) in [0, 1]: its image, preprocessed as asked. */
    public static Tensor controlnetCondition(GenerationRequest.ControlnetInput controlnet) {
        return Images.imageToTensor(preprocessed(controlnet.image(), controlnet.preprocess()));
    }

    /** An (H, W, 3) U8 picture as a ControlNet's preprocess ({@link GenerationRequest#PREPROCESSORS}) makes it, still U8. */
    public static Tensor preprocessed(Tensor image, String preprocess) {
        return switch (preprocess) {
            case "none" -> image;
            case "canny" -> CannyEdges.detect(image);
            default -> throw new IllegalArgumentException("unknown preprocessing " + preprocess);
        };
    }

    /**
     * Reference-only control's condition at a step, as refiners' e2e test makes it: the reference latents, twice
     * (2, 4, h, w), noised to the step with noise of their own ({@link GaussianNoise#forReference}), where the solver runs.
     */
    public static Tensor noisedReference(Tensor doubledReference, Solver solver, long seed, int step) {
        Tensor noise = GaussianNoise.forReference(seed, step, doubledReference.shape());
        return Tensor.ofFloats(doubledReference.shape(), solver.addNoise(doubledReference.toFloatArray(), noise.toFloatArray(), step));
    }

    public static GenerationResult generate(GenerationRequest request, SD1Stages stages, ProgressListener listener) {
        return generate(request, stages, listener, GaussianNoise.sample(request.seed(), request.latentShape()));
    }

    /** With explicit initial noise (1, 4, h, w) instead of the seed's. */
    public static GenerationResult generate(GenerationRequest request, SD1Stages stages, ProgressListener listener, Tensor noise) {
        return generate(request, stages, listener, noise, solver(request.solver(), request.solverOptions(), request.steps(), request.firstStep()));
    }

    /**
     * With explicit noise and a configured solver: request.solver(), steps and strength are then ignored, the loop runs
     * the solver's inference steps (from its first step). A stochastic step's noise is {@link GaussianNoise#forStep}
     * of the request's seed, so the steps run the same wherever they run.
     */
    public static GenerationResult generate(GenerationRequest request, SD1Stages stages, ProgressListener listener, Tensor noise, Solver solver) {
        return generate(request, stages, listener, noise, solver, StableDiffusion_1::textConditions);
    }

    /** The loop of every model family: {@code textConditioner} computes the family's text conditions (SDXL's StableDiffusion_XL). */
    public static GenerationResult generate(GenerationRequest request, SD1Stages stages, ProgressListener listener, Tensor noise, Solver solver,
                                            TextConditioner textConditioner) {
        long start = System.nanoTime();
        TextConditions text = textConditioner.apply(stages, request);
        SD1Stages.ImagePrompt imagePrompt = imagePrompt(stages, request.ipAdapter());
        double textSeconds = seconds(start);
        long[] shape = noise.shape();
        long e0 = System.nanoTime();
        // with a mask, strength 1 repaints from pure noise (refiners' inpainting); otherwise the init image is the start
        boolean fromNoise = request.mask() != null && solver.firstInferenceStep() == 0;
        Tensor init = fromNoise ? noise : initLatents(stages, solver, request.initImage(), noise);
        StableDiffusion_1_Inpainting.Conditions inpainting = request.mask() == null ? null
                : StableDiffusion_1_Inpainting.conditions(stages, request.initImage(), request.mask(), shape);
        List<SD1Stages.ControlnetCondition> controlnets = new ArrayList<>();
        for (GenerationRequest.ControlnetInput c : request.controlnets())
            controlnets.add(new SD1Stages.ControlnetCondition(c.name(), controlnetCondition(c), c.scale(), c.scaleDecay()));
        Tensor reference = request.reference() == null ? null
                : ClassifierFreeGuidance.batch(imageToLatents(stages, request.reference().image()));
        double encodeSeconds = seconds(e0);
        float[] x = solver.scaleModelInput(init.toFloatArray(), -1);
        double unetSeconds = 0, solverSeconds = 0;
        int[] steps = solver.inferenceSteps();
        SD1Stages.Conditioning conditioning = new SD1Stages.Conditioning(text.conditional(), text.unconditional(), request.guidanceScale(),
                request.loras(), shape, inpainting == null ? null : inpainting.maskLatents(),
                inpainting == null ? null : inpainting.targetImageLatents(), controlnets, imagePrompt,
                request.reference() == null ? null : request.reference().styleCfg(), text.textTime());
        try (SD1Stages.Denoiser unet = stages.openDenoiser(conditioning)) {
            for (int i = 0; i < steps.length; i++) {
                int step = steps[i];
                long t0 = System.nanoTime();
                float[] modelInput = solver.scaleModelInput(x, step);
                long t1 = System.nanoTime();
                Tensor noisePrediction = unet.guidedNoise(step, solver.timestep(step), Tensor.ofFloats(shape, modelInput),
                        reference == null ? null : noisedReference(reference, solver, request.seed(), step));
                long t2 = System.nanoTime();
                float[] stepNoise = solver.isStochastic(step) ? GaussianNoise.forStep(request.seed(), step, shape).toFloatArray() : null;
                x = solver.step(x, noisePrediction.toFloatArray(), step, stepNoise);
                long t3 = System.nanoTime();
                unetSeconds += (t2 - t1) / 1e9;
                solverSeconds += ((t1 - t0) + (t3 - t2)) / 1e9;
                listener.onStep(i + 1, steps.length, seconds(start), Tensor.ofFloats(shape, x));
            }
        }
        Tensor latents = Tensor.ofFloats(shape, x);
        long v0 = System.nanoTime();
        Tensor image = stages.decode(latents);
        double vaeSeconds = encodeSeconds + seconds(v0);
        return new GenerationResult(image, latents, request.seed(),
                new GenerationResult.Timings(textSeconds, unetSeconds, solverSeconds, vaeSeconds, seconds(start)));
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}

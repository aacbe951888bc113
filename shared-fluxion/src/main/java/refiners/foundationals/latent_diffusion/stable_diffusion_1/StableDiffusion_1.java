package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.solvers.DDIM;
import refiners.foundationals.latent_diffusion.solvers.DPMSolver;
import refiners.foundationals.latent_diffusion.solvers.Euler;
import refiners.foundationals.latent_diffusion.solvers.Solver;

/**
 * Stable Diffusion 1.x text-to-image, as refiners' StableDiffusion_1 runs it: CLIP embeddings of (negative, prompt),
 * noise from the seed, then per step the solver's model input, the guided UNet noise, the solver step; finally the
 * autoencoder decodes. The loop is the same over in-process stages and over the mesh.
 */
public final class StableDiffusion_1 {
    private StableDiffusion_1() {}

    /** The solver a request names, for its number of steps. */
    public static Solver solver(String name, int steps) {
        return switch (name) {
            case "dpm" -> new DPMSolver(steps);
            case "ddim" -> new DDIM(steps);
            case "euler" -> new Euler(steps);
            default -> throw new IllegalArgumentException("unknown solver " + name);
        };
    }

    /** (2, 77, 768): the negative prompt's embedding then the prompt's, encoded in one batch. */
    public static Tensor clipTextEmbedding(SD1Stages stages, String prompt, String negativePrompt, List<GenerationRequest.LoraWeight> loras) {
        return stages.encodeText(List.of(negativePrompt, prompt), loras);
    }

    public static GenerationResult generate(GenerationRequest request, SD1Stages stages, ProgressListener listener) {
        return generate(request, stages, listener, GaussianNoise.sample(request.seed(), request.latentShape()));
    }

    /** With explicit initial noise (1, 4, h, w) instead of the seed's. */
    public static GenerationResult generate(GenerationRequest request, SD1Stages stages, ProgressListener listener, Tensor noise) {
        return generate(request, stages, listener, noise, solver(request.solver(), request.steps()));
    }

    /** With explicit noise and a configured solver (request.solver() and steps are then ignored). */
    public static GenerationResult generate(GenerationRequest request, SD1Stages stages, ProgressListener listener, Tensor noise, Solver solver) {
        long start = System.nanoTime();
        Tensor embedding = clipTextEmbedding(stages, request.prompt(), request.negativePrompt(), request.loras());
        double textSeconds = seconds(start);
        long[] shape = noise.shape();
        float[] x = solver.scaleModelInput(noise.toFloatArray(), -1);
        double unetSeconds = 0, solverSeconds = 0;
        int[] steps = solver.inferenceSteps();
        try (SD1Stages.Denoiser unet = stages.openDenoiser(Tensors.narrow(embedding, 1, 1), Tensors.narrow(embedding, 0, 1),
                request.guidanceScale(), request.loras(), shape)) {
            for (int i = 0; i < steps.length; i++) {
                int step = steps[i];
                long t0 = System.nanoTime();
                float[] modelInput = solver.scaleModelInput(x, step);
                long t1 = System.nanoTime();
                Tensor noisePrediction = unet.guidedNoise(step, solver.timestep(step), Tensor.ofFloats(shape, modelInput));
                long t2 = System.nanoTime();
                x = solver.step(x, noisePrediction.toFloatArray(), step);
                long t3 = System.nanoTime();
                unetSeconds += (t2 - t1) / 1e9;
                solverSeconds += ((t1 - t0) + (t3 - t2)) / 1e9;
                listener.onStep(i + 1, steps.length, seconds(start), Tensor.ofFloats(shape, x));
            }
        }
        Tensor latents = Tensor.ofFloats(shape, x);
        long v0 = System.nanoTime();
        Tensor image = stages.decode(latents);
        double vaeSeconds = seconds(v0);
        return new GenerationResult(image, latents, request.seed(),
                new GenerationResult.Timings(textSeconds, unetSeconds, solverSeconds, vaeSeconds, seconds(start)));
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}

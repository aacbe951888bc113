package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.GaussianNoise;

/**
 * TEMPORARY (mesh branch): a generation loop standing in for StableDiffusion_1#generate until it lands (same stage
 * calls: encode [negative, prompt] in one batch, one guided-noise call per step, decode). Delete when it is in main.
 */
public final class StandInGeneration {
    private StandInGeneration() {}

    public static GenerationResult generate(GenerationRequest request, SD1Stages stages, ProgressListener listener) {
        long t0 = System.nanoTime();
        Tensor embeddings = stages.encodeText(java.util.List.of(request.negativePrompt(), request.prompt()));
        long t1 = System.nanoTime();
        long[] shape = request.latentShape();
        Tensor uncond = slice(embeddings, 0), cond = slice(embeddings, 1);
        float[] x = GaussianNoise.sample(request.seed(), shape).toFloatArray();
        double unet = 0, solver = 0;
        try (SD1Stages.Denoiser denoiser = stages.openDenoiser(cond, uncond, request.guidanceScale(), request.loras(), shape)) {
            for (int i = 0; i < request.steps(); i++) {
                double timestep = 999.0 - i * 1000.0 / request.steps();
                long a = System.nanoTime();
                float[] noise = denoiser.guidedNoise(i, timestep, Tensor.ofFloats(shape, x)).toFloatArray();
                long b = System.nanoTime();
                for (int k = 0; k < x.length; k++) x[k] -= noise[k] / request.steps();
                long c = System.nanoTime();
                unet += (b - a) / 1e9;
                solver += (c - b) / 1e9;
                listener.onStep(i + 1, request.steps(), (c - t0) / 1e9, Tensor.ofFloats(shape, x));
            }
        }
        Tensor latents = Tensor.ofFloats(shape, x);
        long t2 = System.nanoTime();
        Tensor image = stages.decode(latents);
        long t3 = System.nanoTime();
        return new GenerationResult(image, latents, request.seed(),
                new GenerationResult.Timings((t1 - t0) / 1e9, unet, solver, (t3 - t2) / 1e9, (t3 - t0) / 1e9));
    }

    private static Tensor slice(Tensor batch, int i) {
        long[] s = batch.shape();
        long bytes = batch.byteSize() / s[0];
        var data = batch.data().position((int) (i * bytes)).limit((int) ((i + 1) * bytes));
        return new Tensor(batch.dtype(), new long[] {1, s[1], s[2]}, data).copy();
    }
}

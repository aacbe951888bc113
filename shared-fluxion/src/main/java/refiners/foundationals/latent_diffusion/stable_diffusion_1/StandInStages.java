package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.foundationals.clip.CLIPTokenizer;

/**
 * TEMPORARY (mesh branch): cheap deterministic host arithmetic standing in for LocalStages until the real models land,
 * so the mesh's plumbing can be built and tested. Not a model; delete when LocalStages is in main.
 */
public final class StandInStages implements SD1Stages {
    private final CLIPTokenizer tokenizer = new CLIPTokenizer();

    @Override
    public Tensor encodeText(List<String> prompts) {
        float[] out = new float[prompts.size() * 77 * 768];
        for (int p = 0; p < prompts.size(); p++) {
            long[] ids = tokenizer.encode(prompts.get(p));
            for (int i = 0; i < 77; i++)
                for (int j = 0; j < 768; j++) out[(p * 77 + i) * 768 + j] = (float) Math.sin(ids[i] * (j + 1) * 1e-4 + i);
        }
        return Tensor.ofFloats(new long[] {prompts.size(), 77, 768}, out);
    }

    @Override
    public Denoiser openDenoiser(Tensor conditional, Tensor unconditional, double guidanceScale,
                                List<GenerationRequest.LoraWeight> loras, long[] latentShape) {
        float c = mean(conditional), u = mean(unconditional);
        double loraShift = loras.stream().mapToDouble(GenerationRequest.LoraWeight::scale).sum() * 1e-3;
        return new Denoiser() {
            @Override
            public Tensor guidedNoise(int stepIndex, double timestep, Tensor latents) {
                try {
                    Thread.sleep(20); // a model takes time: keeps the mesh's timing-dependent tests meaningful
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                float[] x = latents.toFloatArray();
                float[] out = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    float cond = (float) (0.2 * x[i] + c * timestep * 1e-3 + loraShift);
                    float uncond = (float) (0.2 * x[i] + u * timestep * 1e-3);
                    out[i] = (float) (uncond + guidanceScale * (cond - uncond));
                }
                return Tensor.ofFloats(latents.shape(), out);
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public Tensor decode(Tensor latents) {
        int h = (int) latents.dim(2), w = (int) latents.dim(3), H = 8 * h, W = 8 * w;
        float[] x = latents.toFloatArray();
        float[] out = new float[3 * H * W];
        for (int ch = 0; ch < 3; ch++)
            for (int y = 0; y < H; y++)
                for (int z = 0; z < W; z++)
                    out[(ch * H + y) * W + z] = (float) Math.tanh(x[(ch * h + y / 8) * w + z / 8] + 0.25 * x[(3 * h + y / 8) * w + z / 8]);
        return Tensor.ofFloats(new long[] {1, 3, H, W}, out);
    }

    /** Image (1, 3, H, W) to latents (1, 4, H/8, W/8): 8x8 means, the 4th channel their average. */
    public Tensor encodeImage(Tensor image) {
        int H = (int) image.dim(2), W = (int) image.dim(3), h = H / 8, w = W / 8;
        float[] x = image.toFloatArray();
        float[] out = new float[4 * h * w];
        for (int ch = 0; ch < 3; ch++)
            for (int y = 0; y < H; y++)
                for (int z = 0; z < W; z++) out[(ch * h + y / 8) * w + z / 8] += x[(ch * H + y) * W + z] / 64f;
        for (int i = 0; i < h * w; i++) out[3 * h * w + i] = (out[i] + out[h * w + i] + out[2 * h * w + i]) / 3f;
        return Tensor.ofFloats(new long[] {1, 4, h, w}, out);
    }

    private static float mean(Tensor t) {
        double s = 0;
        for (float v : t.toFloatArray()) s += v;
        return (float) (s / t.numel());
    }
}

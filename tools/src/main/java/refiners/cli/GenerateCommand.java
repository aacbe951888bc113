package refiners.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;

/** generate: text to image in this process (the same loop and stages as the mesh). */
final class GenerateCommand {
    static final String USAGE = "generate " + GenerationOptions.USAGE + """

                     [--weights PATH|detinit] [--lora-dir DIR] [--threads N]
              Text to image in this process. --weights (or REFINERS_WEIGHTS): a diffusers folder, a single-file SD 1.x
              checkpoint or a converted folder; without it, full-size detinit weights: the image is noise, by design.""";

    private GenerateCommand() {}

    static int run(String[] argv) throws IOException {
        Args a = new Args(argv, List.of(), GenerationOptions.with("weights", "lora-dir", "threads"));
        GenerationRequest request = GenerationOptions.generation(a, Long.MAX_VALUE);
        RuntimeConfig runtime = RuntimeConfig.fromEnvironment();
        if (a.has("threads")) runtime = runtime.withThreads(a.getInt("threads", 0));
        String weights = a.get("weights", System.getenv().getOrDefault("REFINERS_WEIGHTS", ""));
        long t0 = System.nanoTime();
        SD1Models models = SD1Models.load(weights.isBlank() ? SD1Weights.detinit() : SD1Weights.parse(weights));
        System.out.printf(Locale.ROOT, "models: %s (%.1f s)%n", models.source(), (System.nanoTime() - t0) / 1e9);
        String loraDir = a.get("lora-dir", System.getenv().getOrDefault("REFINERS_LORA_DIR", ""));
        LocalStages stages = new LocalStages(models, LocalStages.DEFAULT_OPTIONS, loraDir.isBlank() ? null : new LoraLibrary(Path.of(loraDir)), new Runner(runtime));
        ProgressBar bar = new ProgressBar(System.out, "denoising");
        GenerationResult r = StableDiffusion_1.generate(request, stages, (step, total, elapsed, latents) -> bar.update(step, total, elapsed));
        bar.done();
        Path out = GenerationOptions.out(a);
        Files.write(out, Images.toPng(r.image()));
        GenerationResult.Timings t = r.timings();
        System.out.printf(Locale.ROOT, "wrote %s (%dx%d, seed %d)%ntimings: text-encoder %.3f s, unet %.3f s (%.3f s/step), solver %.3f s, vae %.3f s, total %.3f s%n",
                out, request.width(), request.height(), r.seed(), t.textEncoderSeconds(), t.unetSeconds(), t.unetSeconds() / request.steps(),
                t.solverSeconds(), t.vaeSeconds(), t.totalSeconds());
        return 0;
    }
}

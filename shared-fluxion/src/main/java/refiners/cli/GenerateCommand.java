package refiners.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;

/** generate: text to image in this process. */
final class GenerateCommand {
    static final String USAGE = """
            generate --prompt TEXT [--negative TEXT] [--steps 30] [--guidance 7.5] [--solver dpm|ddim|euler]
                     [--width 512] [--height 512] [--seed 0] [--weights PATH] [--lora NAME:SCALE ...] [--lora-dir DIR]
                     [--threads N] [--output out.png]
              Without --weights (or REFINERS_WEIGHTS) it uses full-size detinit weights: the image is noise, by design.""";

    private GenerateCommand() {}

    static int run(String[] argv) throws IOException {
        Args a = new Args(argv, List.of());
        a.allow(List.of("prompt", "negative", "steps", "guidance", "solver", "width", "height", "seed", "weights", "lora", "lora-dir", "threads", "output"));
        RuntimeConfig runtime = RuntimeConfig.fromEnvironment();
        if (a.getInt("threads", 0) > 0) runtime = runtime.withThreads(a.getInt("threads", 0));
        List<GenerationRequest.LoraWeight> loras = new ArrayList<>();
        String loraArg = a.get("lora", "");
        for (String l : loraArg.isBlank() ? new String[0] : loraArg.split(",")) {
            int colon = l.lastIndexOf(':');
            loras.add(new GenerationRequest.LoraWeight(colon < 0 ? l : l.substring(0, colon), colon < 0 ? 1.0 : Double.parseDouble(l.substring(colon + 1))));
        }
        GenerationRequest request = new GenerationRequest(a.get("prompt", ""), a.get("negative", ""),
                a.getInt("steps", GenerationRequest.DEFAULT_STEPS), a.getDouble("guidance", GenerationRequest.DEFAULT_GUIDANCE),
                a.get("solver", GenerationRequest.DEFAULT_SOLVER), a.getInt("width", GenerationRequest.DEFAULT_SIZE),
                a.getInt("height", GenerationRequest.DEFAULT_SIZE), a.getLong("seed", 0), loras).validate(Long.MAX_VALUE);
        String weights = a.get("weights", System.getenv().getOrDefault("REFINERS_WEIGHTS", ""));
        long t0 = System.nanoTime();
        SD1Models models = SD1Models.load(weights.isBlank() ? null : Path.of(weights));
        System.out.printf("models: %s (%.1f s)%n", models.source(), (System.nanoTime() - t0) / 1e9);
        String loraDir = a.get("lora-dir", System.getenv().getOrDefault("REFINERS_LORA_DIR", ""));
        LocalStages stages = new LocalStages(models, LocalStages.DEFAULT_OPTIONS,
                loraDir.isBlank() && loras.isEmpty() ? null : new LoraLibrary(Path.of(loraDir.isBlank() ? "." : loraDir)), new Runner(runtime));
        ProgressBar bar = new ProgressBar(System.out);
        GenerationResult r = StableDiffusion_1.generate(request, stages, (step, total, elapsed, latents) -> bar.update("denoising", step, total, elapsed));
        Path out = Path.of(a.get("output", "out.png"));
        Files.write(out, Images.toPng(r.image()));
        GenerationResult.Timings t = r.timings();
        System.out.printf("wrote %s (%dx%d, seed %d)%ntimings: text encoder %.2f s, unet %.2f s (%.2f s/step), solver %.3f s, autoencoder %.2f s, total %.2f s%n",
                out, request.width(), request.height(), r.seed(), t.textEncoderSeconds(), t.unetSeconds(), t.unetSeconds() / request.steps(),
                t.solverSeconds(), t.vaeSeconds(), t.totalSeconds());
        return 0;
    }
}

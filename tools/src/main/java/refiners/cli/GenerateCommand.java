package refiners.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.StableDiffusion_XL;
import refiners.options.Args;
import refiners.pipeline.InProcessPipeline;
import refiners.settings.RuntimeVariables;

/** generate: an image in this process (the same loop and stages as the mesh). */
final class GenerateCommand {
    static final String USAGE = "generate " + GenerationOptions.USAGE + """

                     [--model sd15|sdxl] [--weights PATH|detinit] [--sdxl-weights PATH|detinit] [--lora-dir DIR] [--inpainting-weights PATH|detinit] [--controlnet-dir DIR] [--threads N]
                     [--image-encoder-weights PATH|detinit] [--ip-adapter-dir DIR]
              In this process. --weights (or REFINERS_WEIGHTS): a diffusers folder, a single-file SD 1.x checkpoint or a
              converted folder; without it, full-size detinit weights: the image is noise, by design. --inpainting-weights
              (REFINERS_INPAINTING_WEIGHTS): the inpainting checkpoint --mask needs; --controlnet-dir (REFINERS_CONTROLNET_DIR);
              image prompts need --image-encoder-weights (REFINERS_IMAGE_ENCODER_WEIGHTS) and --ip-adapter-dir (REFINERS_IP_ADAPTER_DIR).
              --model sdxl: Stable Diffusion XL (text to image, image to image), its weights --sdxl-weights (REFINERS_SDXL_WEIGHTS: a
              refiners-format folder; without it detinit).""";

    private GenerateCommand() {}

    static int run(String[] argv) throws IOException {
        Args a = new Args(argv, List.of(), GenerationOptions.with("model", "sdxl-weights", "weights", "lora-dir", "inpainting-weights", "controlnet-dir", "threads",
                "image-encoder-weights", "ip-adapter-dir"));
        GenerationRequest request = GenerationOptions.generation(a, Long.MAX_VALUE);
        RuntimeConfig runtime = RuntimeVariables.fromEnvironment();
        if (a.has("threads")) runtime = runtime.withThreads(a.getInt("threads", 0));
        String model = a.get("model", "sd15");
        long t0 = System.nanoTime();
        if (model.equals("sdxl")) {
            String weights = a.get("sdxl-weights", System.getenv().getOrDefault("REFINERS_SDXL_WEIGHTS", ""));
            SDXLWeights xl = SDXLWeights.parse(weights.isBlank() ? SDXLWeights.DETINIT : weights);
            String warning = StableDiffusion_XL.check(request);
            if (warning != null) System.err.println("warning: " + warning);
            InProcessPipeline pipeline = InProcessPipeline.sdxl(xl, setting(a, "lora-dir", "REFINERS_LORA_DIR"), new Runner(runtime));
            System.out.printf(Locale.ROOT, "models: %s (%.1f s)%n", xl.describe(), (System.nanoTime() - t0) / 1e9);
            return write(a, request, pipeline);
        }
        if (!model.equals("sd15")) throw new IllegalArgumentException("--model: unknown model '" + model + "' (known: sd15, sdxl)");
        String weights = a.get("weights", System.getenv().getOrDefault("REFINERS_WEIGHTS", ""));
        SD1Weights sd = weights.isBlank() ? SD1Weights.detinit() : SD1Weights.parse(weights);
        InProcessPipeline pipeline = new InProcessPipeline(sd, setting(a, "lora-dir", "REFINERS_LORA_DIR"),
                setting(a, "inpainting-weights", "REFINERS_INPAINTING_WEIGHTS"), setting(a, "controlnet-dir", "REFINERS_CONTROLNET_DIR"),
                setting(a, "image-encoder-weights", "REFINERS_IMAGE_ENCODER_WEIGHTS"), setting(a, "ip-adapter-dir", "REFINERS_IP_ADAPTER_DIR"), new Runner(runtime));
        System.out.printf(Locale.ROOT, "models: %s (%.1f s)%n", sd.describe(), (System.nanoTime() - t0) / 1e9);
        return write(a, request, pipeline);
    }

    /** Generates, writes the PNG, prints the timings. */
    private static int write(Args a, GenerationRequest request, InProcessPipeline pipeline) throws IOException {
        ProgressBar bar = new ProgressBar(System.out, "denoising");
        GenerationResult r = pipeline.generate(request, (step, total, elapsed, latents) -> bar.update(step, total, elapsed));
        bar.done();
        Path out = GenerationOptions.out(a);
        Files.write(out, Images.toPng(r.image()));
        GenerationResult.Timings t = r.timings();
        int steps = request.steps() - request.firstStep();
        System.out.printf(Locale.ROOT, "wrote %s (%dx%d, seed %d)%ntimings: text-encoder %.3f s, unet %.3f s (%.3f s/step), solver %.3f s, vae %.3f s, total %.3f s%n",
                out, request.width(), request.height(), r.seed(), t.textEncoderSeconds(), t.unetSeconds(), t.unetSeconds() / steps,
                t.solverSeconds(), t.vaeSeconds(), t.totalSeconds());
        return 0;
    }

    /** An option, or else its environment variable. */
    private static Optional<String> setting(Args a, String option, String variable) {
        return Optional.ofNullable(a.get(option, System.getenv(variable)));
    }
}

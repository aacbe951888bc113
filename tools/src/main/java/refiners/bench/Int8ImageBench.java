package refiners.bench;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Int8WeightsFile;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalAutoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;
import refiners.options.Args;

/**
 * What the int8 UNet costs a whole generation in accuracy: one prompt and seed on the detinit weights through the
 * float32 pipeline and through the same pipeline with the int8 UNet (bench variant int8; text encoder and autoencoder
 * float32, shared), and the distance between the two decoded images: as the decoder's floats (about [-1, 1]) and as
 * the 8-bit pixels a PNG holds, max and mean |Δ| and PSNR; the final latents' distance too. With --int8-file, a third
 * generation with the int8 weights mapped from the file `convert --quantize int8` writes (beside a hard link of the
 * detinit UNet, removed afterwards): whether its image is the in-memory one's bit for bit. Not a speed bench.
 */
public final class Int8ImageBench {
    public static final String USAGE = "bench-int8-image [--size 256] [--steps 20] [--seed 1] [--prompt TEXT] [--png DIR] [--int8-file]\n"
            + "  one generation on the detinit weights with the float32 UNet, one with the int8 UNet (bench variant int8), the\n"
            + "  same prompt and seed: max and mean |Δ| and PSNR of the decoded images (floats, peak-to-peak 2; 8-bit pixels,\n"
            + "  peak 255) and of the final latents; --png DIR also writes both images; --int8-file also generates with the int8\n"
            + "  weights mapped from an int8 file and compares its image with the in-memory one's, bit for bit.";

    private Int8ImageBench() {}

    public static int run(String[] argv) throws Exception {
        Args a = new Args(argv, List.of("int8-file"), List.of("size", "steps", "seed", "prompt", "png"));
        int size = a.getInt("size", 256), steps = a.getInt("steps", 20), seed = a.getInt("seed", 1);
        GenerationRequest request = new GenerationRequest(a.get("prompt", "a photograph of an astronaut riding a horse"), "", steps, 7.5, "dpm",
                size, size, seed, List.of());
        SD1Models models = SD1Models.detinit();
        BenchVariant int8 = BenchVariant.named("int8");
        System.out.printf(Locale.ROOT, "detinit weights, %dx%d, dpm %d steps, guidance 7.5, seed %d, prompt \"%s\"; int8: %s%n",
                size, size, steps, seed, request.prompt(), int8.description());
        try (Runner runner = new Runner(RuntimeConfig.defaults())) {
            LocalTextEncoder text = new LocalTextEncoder(models.textEncoder(), LocalStages.DEFAULT_OPTIONS, null, runner);
            LocalAutoencoder vae = new LocalAutoencoder(models.autoencoder(), LocalStages.DEFAULT_OPTIONS, runner);
            CompileOptions quantized = LocalStages.DEFAULT_OPTIONS.withQuantization(int8.options().quantization());
            RuntimeConfig int8Runtime = int8.runtime(RuntimeConfig.defaults());
            GenerationResult f = generate(request, models.unet(), LocalStages.DEFAULT_OPTIONS, RuntimeConfig.defaults(), text, vae, "float32 UNet");
            GenerationResult q = generate(request, models.unet(), quantized, int8Runtime, text, vae, "int8 UNet, weights quantized in memory");
            report("decoded image, floats", f.image().toFloatArray(), q.image().toFloatArray(), 2);
            report("decoded image, 8-bit pixels", pixels(f.image()), pixels(q.image()), 255);
            report("final latents", f.latents().toFloatArray(), q.latents().toFloatArray(), Double.NaN);
            if (a.get("png", null) != null) {
                Path dir = Files.createDirectories(Path.of(a.get("png", null)));
                Files.write(dir.resolve("float32.png"), Images.toPng(f.image()));
                Files.write(dir.resolve("int8.png"), Images.toPng(q.image()));
            }
            if (a.flag("int8-file")) {
                Path dir = Files.createDirectories(DetInit.cacheDirectory().resolve("int8-image-bench"));
                Path link = dir.resolve("unet.safetensors");
                try {
                    Files.deleteIfExists(link);
                    Files.createLink(link, models.unet().stateDict().values().iterator().next().origin().file());
                    long t0 = System.nanoTime();
                    Path file = Int8WeightsFile.writeBeside(new SD1UNet(4), link);
                    System.out.printf(Locale.ROOT, "int8 file written in %.1f s: %.1f MiB%n", (System.nanoTime() - t0) / 1e9, Files.size(file) / 1048576.0);
                    SD1UNet mappedUnet = new SD1UNet(4);
                    try (SafeTensors st = SafeTensors.open(link)) {
                        mappedUnet.loadStateDict(st.all());
                    }
                    GenerationResult m = generate(request, mappedUnet, quantized, int8Runtime, text, vae, "int8 UNet, weights mapped from " + file.getFileName());
                    boolean same = Arrays.equals(m.image().toFloatArray(), q.image().toFloatArray()) && Arrays.equals(m.latents().toFloatArray(), q.latents().toFloatArray());
                    System.out.println("mapped int8 file vs in-memory int8: image and latents " + (same ? "identical, bit for bit" : "DIFFERENT"));
                    if (!same) return 1;
                } finally {
                    Files.deleteIfExists(Int8WeightsFile.beside(link));
                    Files.deleteIfExists(link);
                    Files.deleteIfExists(dir);
                }
            }
        }
        return 0;
    }

    /** One generation with {@code unet} on a runner of its own (closed after: its anonymous memory goes with it); prints its step times. */
    private static GenerationResult generate(GenerationRequest request, Chain unet, CompileOptions options, RuntimeConfig runtime, LocalTextEncoder text,
                                             LocalAutoencoder vae, String what) {
        long anon = Rss.anonymous();
        try (Runner runner = new Runner(runtime)) {
            double[] elapsed = new double[request.steps() + 1];
            GenerationResult r = StableDiffusion_1.generate(request, new LocalStages(text, new LocalUNet(unet, options, null, runner), vae),
                    (step, total, seconds, latents) -> elapsed[step] = seconds);
            int n = request.steps();
            System.out.printf(Locale.ROOT, "%s: first step %.1f s (the UNet's session created), later steps %.2f s each; anonymous memory +%d MiB%n", what,
                    elapsed[1], n > 1 ? (elapsed[n] - elapsed[1]) / (n - 1) : Double.NaN, (Rss.anonymous() - anon) >> 20);
            return r;
        }
    }

    /** max and mean |a - b| (with mean |a| for scale), and the PSNR for values spanning {@code peak} (none when NaN). */
    private static void report(String what, float[] a, float[] b, double peak) {
        double max = 0, sum = 0, squares = 0, magnitude = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            max = Math.max(max, d);
            sum += d;
            squares += d * d;
            magnitude += Math.abs(a[i]);
        }
        String psnr = Double.isNaN(peak) ? "" : String.format(Locale.ROOT, ", PSNR %.2f dB (peak %s)", 10 * Math.log10(peak * peak / (squares / a.length)), peak);
        System.out.printf(Locale.ROOT, "%-28s max |Δ| %.4g, mean |Δ| %.4g (mean |float32| %.4g)%s, %d values%n", what + ":", max, sum / a.length,
                magnitude / a.length, psnr, a.length);
    }

    /** The image's 8-bit RGB values, as a PNG of it holds them. */
    private static float[] pixels(Tensor image) {
        BufferedImage img = Images.toImage(image);
        int w = img.getWidth(), h = img.getHeight();
        float[] out = new float[3 * w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y), i = 3 * (y * w + x);
                out[i] = rgb >> 16 & 0xff;
                out[i + 1] = rgb >> 8 & 0xff;
                out[i + 2] = rgb & 0xff;
            }
        return out;
    }
}

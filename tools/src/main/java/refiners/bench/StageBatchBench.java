package refiners.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import refiners.conversion.LcmLoraLayout;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalAutoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.settings.RuntimeVariables;

/**
 * What batching gains in each model stage on this machine, wall clock: for each stage and batch size k, one call
 * with k requests against k calls of one, taking turns (one then the other, {@code --runs} times; the first round is
 * a warm-up), and the ratio of their medians. The UNet batches k generations' guided steps (2k samples), CLIP k
 * prompts, the VAE k decodes. Full-size models, detinit weights.
 *
 * <p>Options: --latents 8 (latent side; images are 8x), --batches 4,8, --runs 6; --lcm-lora: only the UNet, its
 * generations with an LCM-LoRA (detinit, the published SD1.5 layout: 3x3 convolutions too) at guidance 1.5 — what LCM
 * traffic gains from sharing calls, so what it loses where a LoRA set keeps it to itself.
 */
public final class StageBatchBench {
    private StageBatchBench() {}

    public static final String USAGE = "bench-stage-batch [--latents 8] [--batches 4,8] [--runs 6] [--lcm-lora]\n"
            + "  Each model stage's batch gain, wall clock: one call of k requests vs k calls of one, taking turns.";

    public static int run(String[] args) throws java.io.IOException {
        boolean lcmLora = java.util.Arrays.asList(args).contains("--lcm-lora");
        if (lcmLora) args = java.util.Arrays.stream(args).filter(a -> !a.equals("--lcm-lora")).toArray(String[]::new);
        int latents = 8, runs = 6;
        List<Integer> batches = List.of(4, 8);
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--latents" -> latents = Integer.parseInt(args[i + 1]);
                case "--batches" -> batches = java.util.Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
            }
        }
        SD1Weights weights = SD1Weights.detinit();
        Runner runner = new Runner(RuntimeVariables.fromEnvironment());
        SD1UNet unetModel = SD1Models.unet(weights);
        LoraLibrary loras = lcmLora ? lcmLora(unetModel) : null;
        LocalUNet unet = new LocalUNet(unetModel, LocalStages.DEFAULT_OPTIONS, loras, runner);
        LocalTextEncoder clip = new LocalTextEncoder(SD1Models.textEncoder(weights), LocalStages.DEFAULT_OPTIONS, null, runner);
        LocalAutoencoder vae = new LocalAutoencoder(SD1Models.autoencoder(weights), LocalStages.DEFAULT_OPTIONS, runner);
        int side = latents;
        // a call with k requests, its inputs made beforehand so that only the call is timed
        Map<String, IntFunction<Runnable>> stages = new LinkedHashMap<>();
        stages.put("UNet step (generations)", k -> {
            List<LocalUNet.Step> steps = new ArrayList<>();
            for (int g = 0; g < k; g++)
                steps.add(new LocalUNet.Step(unet.open(GaussianNoise.sample(g, 1, 77, 768), GaussianNoise.sample(100 + g, 1, 77, 768),
                        lcmLora ? 1.5 : 7.5, lcmLora ? List.of(new GenerationRequest.LoraWeight("lcm", 1.0)) : List.of()), 500, GaussianNoise.sample(200 + g, 1, 4, side, side)));
            return () -> unet.guidedNoise(steps);
        });
        stages.put("CLIP (prompts)", k -> {
            List<String> prompts = new ArrayList<>();
            for (int i = 0; i < k; i++) prompts.add("a lighthouse on a cliff at sunset, variation " + i);
            return () -> clip.encode(prompts, List.of());
        });
        stages.put("VAE decode (images)", k -> {
            Tensor latentsIn = GaussianNoise.sample(k, k, 4, side, side);
            return () -> vae.decode(latentsIn);
        });
        if (lcmLora) stages.keySet().retainAll(List.of("UNet step (generations)"));
        System.out.printf(Locale.ROOT, "%dx%d latents (%dx%d images), %d runs taking turns; ratio < 1: the batch is cheaper%n", side, side, 8 * side, 8 * side, runs);
        for (var stage : stages.entrySet())
            for (int k : batches) {
                Runnable batch = stage.getValue().apply(k), one = stage.getValue().apply(1);
                double[] batched = new double[runs], singles = new double[runs];
                for (int r = -1; r < runs; r++) { // round -1: sessions built, caches warm
                    double b = seconds(batch);
                    double s = seconds(() -> {
                        for (int i = 0; i < k; i++) one.run();
                    });
                    if (r < 0) continue;
                    batched[r] = b;
                    singles[r] = s;
                }
                double mb = PeerBench.median(batched), ms = PeerBench.median(singles);
                System.out.printf(Locale.ROOT, "%-24s k=%d: one call %.3f s, %d calls of one %.3f s -> ratio %.2f%n", stage.getKey(), k, mb, k, ms, mb / ms);
            }
        return 0;
    }

    /** A LoRA folder holding "lcm": a detinit LCM-LoRA in the published layout. */
    private static LoraLibrary lcmLora(SD1UNet unet) throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("lcm-lora");
        dir.toFile().deleteOnExit();
        java.nio.file.Path file = dir.resolve("lcm.safetensors");
        SafeTensorsWriter.write(file, LcmLoraLayout.detinit(unet.stateDictShapes(), LcmLoraLayout.RANK, LcmLoraLayout.ALPHA, 64));
        file.toFile().deleteOnExit(); // after the folder's registration: deleted first
        return new LoraLibrary(dir);
    }

    private static double seconds(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }
}

package refiners.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Contexts;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.settings.RuntimeVariables;

/**
 * What a UNet call costs per call and per sample, from ONNX Runtime's profile of the same session at two batch sizes:
 * kernel time by operator type, the kernels launched per call, and the multiply-adds of the convolutions and products
 * (from the profiled shapes). t(B) = per-call + B x per-sample is fitted to the two batches; an estimate for another
 * device (docs/benchmarks.md) starts from these figures.
 *
 * <p>Options: --latents 8 (latent side), --batches 2,16, --threads 0 (ONNX Runtime's default), --runs 2 (the last is kept).
 */
public final class BatchCostBench {
    private BatchCostBench() {}

    public static final String USAGE = "bench-batch-cost [--latents 8] [--batches 2,16] [--threads 0] [--runs 2]\n"
            + "  UNet call cost per call and per sample from ONNX Runtime's profile at two batch sizes (kernel time, kernels, FLOPs).";

    /** One batch size's profiled call: kernel time by operator (ms), kernels, GFLOP. */
    record Call(int batch, OrtProfile.Summary profile) {
        int kernels() {
            return profile.countByOp().values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    public static int run(String[] args) throws Exception {
        int latents = 8, threads = 0, runs = 2;
        List<Integer> batches = List.of(2, 16);
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--latents" -> latents = Integer.parseInt(args[i + 1]);
                case "--batches" -> batches = java.util.Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
            }
        }
        SD1UNet unet = SD1Models.unet(SD1Weights.detinit());
        Path dir = Files.createTempDirectory("unet-profile");
        List<Call> calls = new ArrayList<>();
        for (int batch : batches) {
            List<Tensor> inputs = List.of(GaussianNoise.sample(1, batch, 4, latents, latents));
            Map<String, Map<String, Object>> ctx = Map.of(
                    CrossAttentionBlock.CONTEXT, Map.of("clip_text_embedding", GaussianNoise.sample(2, batch, 77, 768)),
                    "diffusion", Map.of("timestep", Tensor.ofFloats(new long[] {batch}, new float[batch])));
            double wall = 0;
            Path profile;
            try (Runner runner = new Runner(RuntimeVariables.fromEnvironment().withThreads(threads).withProfiling(dir.resolve("b" + batch).toString()));
                 CompiledModel model = runner.compile(unet, LocalStages.DEFAULT_OPTIONS, inputs, ctx)) {
                Map<String, Tensor> feeds = Contexts.collect(unet, ctx).tensors();
                for (int r = 0; r < runs; r++) {
                    long t0 = System.nanoTime();
                    model.run(inputs, feeds);
                    wall = (System.nanoTime() - t0) / 1e9;
                }
                profile = model.endProfiling();
            }
            Call c = new Call(batch, OrtProfile.read(profile)); // the calls after the first, averaged
            calls.add(c);
            double kernelMs = c.profile().total();
            System.out.printf(Locale.ROOT, "batch %d (%dx%d latents): wall %.3f s, kernels %.3f s in %d kernel runs, %.1f GFLOP (%.2f GFLOP per sample)%n",
                    batch, latents, latents, wall, kernelMs / 1e3, c.kernels(), c.profile().gflop(), c.profile().gflop() / batch);
            c.profile().byOp().entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(8)
                    .forEach(e -> System.out.printf(Locale.ROOT, "    %-22s %8.1f ms (%4.1f%%)%n", e.getKey(), e.getValue(), 100 * e.getValue() / kernelMs));
        }
        if (calls.size() >= 2) {
            Call a = calls.get(0), b = calls.get(calls.size() - 1);
            double ta = a.profile().total(), tb = b.profile().total();
            double perSample = (tb - ta) / (b.batch() - a.batch()), perCall = ta - a.batch() * perSample;
            System.out.printf(Locale.ROOT, "kernel time t(B) = %.1f ms per call + %.1f ms per sample (fitted on batches %d and %d); batch %d costs %.2f of %d batch-%d calls%n",
                    perCall, perSample, a.batch(), b.batch(), b.batch(), tb / (ta * b.batch() / a.batch()), b.batch() / a.batch(), a.batch());
            System.out.printf(Locale.ROOT, "weights: %.0f MiB float32; kernels per call: %d%n", unet.stateDictShapes().values().stream()
                    .mapToLong(s -> Tensor.numel(s) * DType.F32.size).sum() / 1048576.0, a.kernels());
        }
        return 0;
    }
}

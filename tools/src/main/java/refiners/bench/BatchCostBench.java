package refiners.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;

/**
 * What a UNet call costs per call and per sample, from ONNX Runtime's profile of the same session at two batch sizes:
 * kernel time by operator type, the kernels launched per call, and the multiply-adds of the convolutions and products
 * (from the profiled shapes). t(B) = per-call + B x per-sample is fitted to the two batches; the README's GPU estimate
 * starts from these figures.
 *
 * <p>Options: --latents 8 (latent side), --batches 2,16, --threads 0 (ONNX Runtime's default), --runs 2 (the last is kept).
 */
public final class BatchCostBench {
    private BatchCostBench() {}

    public static final String USAGE = "bench-batch-cost [--latents 8] [--batches 2,16] [--threads 0] [--runs 2]\n"
            + "  UNet call cost per call and per sample from ONNX Runtime's profile at two batch sizes (kernel time, kernels, FLOPs).";

    /** One profiled call: kernel time by operator, kernels, FLOPs. */
    record Call(int batch, double wallSeconds, Map<String, Double> microsByOp, int kernels, double flops) {
        double kernelMicros() {
            return microsByOp.values().stream().mapToDouble(Double::doubleValue).sum();
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
            Path prefix = dir.resolve("b" + batch);
            Runner runner = new Runner(RuntimeConfig.fromEnvironment().withThreads(threads).withProfiling(prefix.toString()));
            List<Tensor> inputs = List.of(GaussianNoise.sample(1, batch, 4, latents, latents));
            Map<String, Map<String, Object>> ctx = Map.of(
                    CrossAttentionBlock.CONTEXT, Map.of("clip_text_embedding", GaussianNoise.sample(2, batch, 77, 768)),
                    "diffusion", Map.of("timestep", Tensor.ofFloats(new long[] {batch}, new float[batch])));
            double wall = 0;
            try (CompiledModel model = runner.compile(unet, LocalStages.DEFAULT_OPTIONS, inputs, ctx)) {
                for (int r = 0; r < runs; r++) {
                    long t0 = System.nanoTime();
                    model.run(inputs, tensors(ctx));
                    wall = (System.nanoTime() - t0) / 1e9;
                }
            }
            Call c = parse(newest(dir, "b" + batch), batch, wall);
            calls.add(c);
            System.out.printf(Locale.ROOT, "batch %d (%dx%d latents): wall %.3f s, kernels %.3f s in %d kernel runs, %.1f GFLOP (%.2f GFLOP per sample)%n",
                    batch, latents, latents, wall, c.kernelMicros() / 1e6, c.kernels(), c.flops() / 1e9, c.flops() / 1e9 / batch);
            c.microsByOp().entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(8)
                    .forEach(e -> System.out.printf(Locale.ROOT, "    %-22s %8.1f ms (%4.1f%%)%n", e.getKey(), e.getValue() / 1e3, 100 * e.getValue() / c.kernelMicros()));
        }
        if (calls.size() >= 2) {
            Call a = calls.get(0), b = calls.get(calls.size() - 1);
            double perSample = (b.kernelMicros() - a.kernelMicros()) / (b.batch() - a.batch()), perCall = a.kernelMicros() - a.batch() * perSample;
            System.out.printf(Locale.ROOT, "kernel time t(B) = %.1f ms per call + %.1f ms per sample (fitted on batches %d and %d); batch %d costs %.2f of %d batch-%d calls%n",
                    perCall / 1e3, perSample / 1e3, a.batch(), b.batch(), b.batch(), b.kernelMicros() / (a.kernelMicros() * b.batch() / a.batch()), b.batch() / a.batch(), a.batch());
            System.out.printf(Locale.ROOT, "weights: %.0f MiB float32; kernels per call: %d%n", unet.stateDictShapes().values().stream()
                    .mapToLong(s -> Tensor.numel(s) * DType.F32.size).sum() / 1048576.0, a.kernels());
        }
        return 0;
    }

    private static Map<String, Tensor> tensors(Map<String, Map<String, Object>> ctx) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        ctx.forEach((c, m) -> m.forEach((k, v) -> out.put(c + "." + k, (Tensor) v)));
        return out;
    }

    private static Path newest(Path dir, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix) && f.toString().endsWith(".json"))
                    .max(Comparator.comparing(f -> f.toFile().lastModified())).orElseThrow(() -> new IllegalStateException("no profile written in " + dir));
        }
    }

    /** The last run of a profile: kernel time by operator, kernels, and FLOPs of Conv, MatMul, FusedMatMul and Gemm. */
    static Call parse(Path profile, int batch, double wall) throws IOException {
        JsonNode events = new ObjectMapper().readTree(profile.toFile());
        long lastRun = 0;
        for (JsonNode e : events) if ("model_run".equals(e.path("name").asText())) lastRun = Math.max(lastRun, e.path("ts").asLong());
        Map<String, Double> byOp = new LinkedHashMap<>();
        int kernels = 0;
        double flops = 0;
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText()) || !e.path("name").asText().endsWith("_kernel_time") || e.path("ts").asLong() < lastRun) continue;
            String op = e.path("args").path("op_name").asText();
            byOp.merge(op, e.path("dur").asDouble(), Double::sum);
            kernels++;
            flops += flops(op, shapes(e.path("args").path("input_type_shape")), shapes(e.path("args").path("output_type_shape")));
        }
        return new Call(batch, wall, byOp, kernels, flops);
    }

    private static List<long[]> shapes(JsonNode list) {
        List<long[]> out = new ArrayList<>();
        for (JsonNode entry : list)
            entry.fields().forEachRemaining(f -> {
                long[] s = new long[f.getValue().size()];
                for (int i = 0; i < s.length; i++) s[i] = f.getValue().get(i).asLong();
                out.add(s);
            });
        return out;
    }

    /** 2 x multiply-adds: convolutions from the weight's shape, products from the output and the shared dimension. */
    private static double flops(String op, List<long[]> in, List<long[]> out) {
        if (out.isEmpty() || in.size() < 2) return 0;
        double outputs = Tensor.numel(out.get(0));
        return switch (op) {
            case "Conv", "FusedConv" -> 2 * outputs * (in.get(1)[1] * in.get(1)[2] * in.get(1)[3]);
            case "MatMul", "FusedMatMul", "Gemm" -> 2 * outputs * in.get(0)[in.get(0).length - 1]; // the UNet's products do not transpose A
            default -> 0;
        };
    }
}

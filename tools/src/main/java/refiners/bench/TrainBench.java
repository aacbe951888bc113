package refiners.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.CompiledGraph;
import refiners.fluxion.compile.Compiler;
import refiners.fluxion.compile.Contexts;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.settings.RuntimeVariables;
import refiners.training.LoraTrainingStep;
import refiners.training.TrainableLoras;

/**
 * LoRA training cost of the full-size SD1 UNet (detinit weights mapped from the cache) on CPU: for each shape, in a
 * fresh JVM, the median time of a train step (forward + backward for rank-4 LoRAs on the 160 Linears of the
 * CrossAttentionBlock2d's, loss and gradients) over the median time of the forward pass of the same adapted UNet, and
 * the peak resident memory of the process, after the forward runs and after the train steps, against the weight bytes
 * (the difference is mostly the activations the backward pass keeps).
 *
 * <p>Run: refiners bench-train [threads=2] [runs=3]
 */
public final class TrainBench {
    record Shape(int batch, int latent) {}

    static final List<Shape> SHAPES = List.of(new Shape(1, 8), new Shape(1, 32), new Shape(2, 8));

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(SHAPES.get(Integer.parseInt(args[1])), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        SD1UNet unet = new SD1UNet(4);
        DetInit.cachedStateDict(unet.className(), unet.stateDictShapes(), 4); // written once, outside the timings
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < SHAPES.size(); i++) {
            List<String> cmd = List.of(UNetBench.Path.java(), "-Xmx2g", "-XX:MaxDirectMemorySize=8g", "-cp", System.getProperty("java.class.path"),
                    TrainBench.class.getName(), "--child", Integer.toString(i), Integer.toString(threads), Integer.toString(runs));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IllegalStateException("shape " + SHAPES.get(i) + " failed:\n" + out);
            out.lines().filter(l -> l.startsWith("RESULT")).forEach(lines::add);
        }
        System.out.printf("SD1 UNet LoRA training (rank 4 on 160 Linears), %d threads, median of %d runs%n", threads, runs);
        System.out.printf("%-6s %-8s %10s %10s %9s %7s %12s %13s %12s %14s%n", "batch", "latents", "forward s", "step s", "step/fwd", "nodes", "weights MiB",
                "fwd peak MiB", "peak MiB", "peak/weights");
        for (String l : lines) {
            String[] f = l.split("\t");
            double fwd = Double.parseDouble(f[3]), step = Double.parseDouble(f[4]);
            long peak = Long.parseLong(f[6]), weights = Long.parseLong(f[7]), forwardPeak = Long.parseLong(f[8]);
            System.out.printf("%-6s %-8s %10.3f %10.3f %9.2f %7s %12d %13d %12d %14.2f%n", f[1], f[2] + "x" + f[2], fwd, step, step / fwd, f[5], weights >> 20,
                    forwardPeak >> 20, peak >> 20, peak / (double) weights);
        }
    }

    private static void child(Shape s, int threads, int runs) {
        Runner runner = new Runner(RuntimeVariables.fromEnvironment().withThreads(threads));
        SD1UNet unet = new SD1UNet(4);
        Map<String, Tensor> weights = DetInit.cachedStateDict(unet.className(), unet.stateDictShapes(), 4);
        long weightBytes = weights.values().stream().mapToLong(Tensor::byteSize).sum();
        unet.loadStateDict(weights);
        TrainableLoras loras = TrainableLoras.install(unet, "unet", List.of("CrossAttentionBlock2d"), 4, 1.0);
        loras.initialize(new Random(0));
        Tensor x = DetInit.tensor("input:bench.x", new long[] {s.batch(), 4, s.latent(), s.latent()}, 11, 0, 1);
        Tensor noise = DetInit.tensor("input:bench.noise", x.shape(), 12, 0, 1);
        Tensor emb = DetInit.tensor("input:bench.clip_text_embedding", new long[] {s.batch(), 77, 768}, 13, 0, 1);
        Tensor t = Tensor.ofLongs(new long[] {1}, 500);

        Map<String, Map<String, Object>> ctx = new LinkedHashMap<>(loras.contexts());
        ctx.put("diffusion", Map.of("timestep", t));
        ctx.put(CrossAttentionBlock.CONTEXT, Map.of("clip_text_embedding", emb));
        CompiledGraph g = Compiler.compile(unet, List.of(new Compiler.InputSpec(x.dtype(), x.shape())), CompileOptions.defaults(), runner.config().device(), ctx);
        Map<String, Tensor> feeds = Contexts.collect(unet, ctx).tensors();
        double forward;
        try (CompiledModel m = CompiledModel.create(g, runner.config())) {
            forward = LoraBench.median(runs, () -> m.run(List.of(x), feeds));
        }
        long forwardPeak = Rss.peak();
        double step;
        long nodes;
        try (LoraTrainingStep train = new LoraTrainingStep(unet, loras, null, null, CompileOptions.defaults(), runner)) {
            step = LoraBench.median(runs, () -> train.run(x, noise, t, emb)); // the warm-up run compiles
            nodes = train.nodeCount();
        }
        System.out.printf("RESULT\t%d\t%d\t%.4f\t%.4f\t%d\t%d\t%d\t%d%n", s.batch(), s.latent(), forward, step, nodes, Rss.peak(), weightBytes, forwardPeak);
    }
}

package refiners.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Compiler;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.settings.RuntimeVariables;

/**
 * The full-size SD1 UNet (detinit weights, mapped from the cache) at batch 2 and 32x32 latents on CPU: session
 * creation time, median step time and resident memory over weight bytes, for several runtime settings, each in a
 * fresh JVM, printed side by side with ratios to the first.
 *
 * <p>Run: java -cp ... refiners.bench.UNetBench [threads=2] [runs=5]
 */
public final class UNetBench {
    record Variant(String name, boolean prepacking, boolean weightRewrites) {}

    static final List<Variant> VARIANTS = List.of(
            new Variant("zero-copy (default)", false, false),
            new Variant("prepacking", true, false),
            new Variant("prepacking + weight rewrites", true, true));

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(VARIANTS.get(Integer.parseInt(args[1])), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        SD1UNet unet = new SD1UNet(4);
        DetInit.cachedStateDict(unet.className(), unet.stateDictShapes(), 4); // written once, outside the timings
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < VARIANTS.size(); i++) {
            List<String> cmd = List.of(Path.java(), "-Xmx2g", "-XX:MaxDirectMemorySize=8g", "-cp", System.getProperty("java.class.path"),
                    UNetBench.class.getName(), "--child", Integer.toString(i), Integer.toString(threads), Integer.toString(runs));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IllegalStateException("variant " + VARIANTS.get(i).name() + " failed:\n" + out);
            out.lines().filter(l -> l.startsWith("RESULT")).forEach(lines::add);
        }
        double baseStep = 0, baseSession = 0;
        System.out.printf("SD1 UNet, batch 2, 32x32 latents, %d threads, median of %d runs%n", threads, runs);
        System.out.printf("%-30s %10s %10s %10s %12s %12s %10s%n", "variant", "compile s", "session s", "step s", "step ratio", "anon MiB", "RSS/weights");
        for (String l : lines) {
            String[] f = l.split("\t");
            double compile = Double.parseDouble(f[2]), session = Double.parseDouble(f[3]), step = Double.parseDouble(f[4]);
            long anon = Long.parseLong(f[5]), rss = Long.parseLong(f[6]), weights = Long.parseLong(f[7]);
            if (baseStep == 0) {
                baseStep = step;
                baseSession = session;
            }
            System.out.printf("%-30s %10.2f %10.2f %10.3f %12.2f %12d %10.2f%n", f[1], compile, session, step, step / baseStep, anon >> 20, rss / (double) weights);
        }
    }

    private static void child(Variant v, int threads, int runs) {
        Runner runner = new Runner(RuntimeVariables.fromEnvironment().withThreads(threads).withPrepacking(v.prepacking()).withWeightRewrites(v.weightRewrites()));
        SD1UNet unet = new SD1UNet(4);
        Map<String, Tensor> weights = DetInit.cachedStateDict(unet.className(), unet.stateDictShapes(), 4);
        long weightBytes = weights.values().stream().mapToLong(Tensor::byteSize).sum();
        unet.loadStateDict(weights);
        Tensor x = DetInit.tensor("input:unet.x", new long[] {2, 4, 32, 32}, 1004, 0, 1);
        Tensor emb = DetInit.tensor("input:unet.clip_text_embedding", new long[] {2, 77, 768}, 1004, 0, 1);
        Tensor t = Tensor.ofInts(new long[] {1}, 500);
        Map<String, Map<String, Object>> ctx = Map.of("diffusion", Map.of("timestep", t), "cross_attention_block", Map.of("clip_text_embedding", emb));
        long c0 = System.nanoTime();
        Compiler.compile(unet, List.of(new Compiler.InputSpec(x.dtype(), x.shape())), CompileOptions.defaults(), runner.config().device(), ctx);
        double compile = (System.nanoTime() - c0) / 1e9;
        CompiledModel m = runner.compile(unet, CompileOptions.defaults(), List.of(x), ctx);
        double session = m.creationSeconds();
        m.run(List.of(x), Map.of("diffusion.timestep", t, "cross_attention_block.clip_text_embedding", emb)); // warm-up
        double[] times = new double[runs];
        for (int i = 0; i < runs; i++) {
            long s0 = System.nanoTime();
            m.run(List.of(x), Map.of("diffusion.timestep", t, "cross_attention_block.clip_text_embedding", emb));
            times[i] = (System.nanoTime() - s0) / 1e9;
        }
        Arrays.sort(times);
        System.out.printf("RESULT\t%s\t%.3f\t%.3f\t%.4f\t%d\t%d\t%d%n", v.name(), compile, session, times[runs / 2], Rss.anonymous(), Rss.bytes(), weightBytes);
    }

    /** The java launcher of this JVM. */
    static final class Path {
        static String java() {
            return java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
    }
}

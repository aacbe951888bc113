package refiners.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import refiners.conversion.LoraFile;
import refiners.conversion.LoraFormats;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.LoraFusion;
import refiners.fluxion.adapters.LoraSlots;
import refiners.fluxion.adapters.LoraWeights;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.settings.RuntimeVariables;

/**
 * LoRA costs on the full-size UNet (batch 2, 32x32 latents, CPU): base step, fused step, run-time slots with 0, 1
 * and 3 LoRAs, and the time to switch LoRA sets between runs, in one run with ratios to the base step.
 *
 * <p>The LoRAs are kohya-format files generated with detinit on every layer SD 1.x LoRAs usually target (attention
 * projections, feed-forward, proj_in/proj_out: 192 UNet layers), rank 8.
 */
public final class LoraBench {
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Runner runner = new Runner(RuntimeVariables.fromEnvironment().withThreads(threads));
        SD1UNet base = new SD1UNet(4);
        base.loadStateDict(DetInit.cachedStateDict("SD1UNet", base.stateDictShapes(), 4));
        Tensor x = DetInit.tensor("input:unet.x", new long[] {2, 4, 32, 32}, 1004, 0, 1);
        Tensor emb = DetInit.tensor("input:unet.clip_text_embedding", new long[] {2, 77, 768}, 1004, 0, 1);
        Map<String, Map<String, Object>> ctx = Map.of("diffusion", Map.of("timestep", Tensor.ofInts(new long[] {1}, 500)),
                "cross_attention_block", Map.of("clip_text_embedding", emb));
        List<List<LoraWeights>> loras = new ArrayList<>();
        for (int i = 0; i < 3; i++) loras.add(kohyaLora(700 + i).unetWeights(1.0));
        CompileOptions o = CompileOptions.defaults();

        double baseStep = median(runs, () -> runner.run(base, o, List.of(x), ctx));
        long f0 = System.nanoTime();
        SD1UNet fused = LoraFusion.fuse(base, loras.get(0));
        runner.run(fused, o, List.of(x), ctx);
        double fuseSeconds = (System.nanoTime() - f0) / 1e9;
        double fusedStep = median(runs, () -> runner.run(fused, o, List.of(x), ctx));

        SD1UNet slotted = (SD1UNet) base.structuralCopy();
        LoraSlots slots = LoraSlots.install(slotted, l -> true);
        CompileOptions so = LoraSlots.options(o);
        double[] dynamic = new double[4];
        double[] build = new double[4];
        double[] coldBuild = new double[4];
        for (int n : new int[] {0, 1, 3}) {
            List<LoraWeights> set = new ArrayList<>();
            for (int i = 0; i < n; i++) set.addAll(loras.get(i));
            long c0 = System.nanoTime();
            slots.feeds(set);
            coldBuild[n] = (System.nanoTime() - c0) / 1e9; // early in the JVM: the code is not compiled yet
            for (int i = 0; i < 20; i++) slots.feeds(set);
            build[n] = median(9, () -> slots.feeds(set)); // what a new set costs a service that has run a while
            Map<String, Map<String, Object>> feeds = new java.util.HashMap<>(slots.feeds(set));
            feeds.putAll(ctx);
            dynamic[n] = median(runs, () -> runner.run(slotted, so, List.of(x), feeds));
        }
        // switching between two prepared sets: alternate A/B on every run and compare with runs that keep one set
        Map<String, Map<String, Object>> a = new java.util.HashMap<>(slots.feeds(loras.get(0))), b = new java.util.HashMap<>(slots.feeds(loras.get(1)));
        a.putAll(ctx);
        b.putAll(ctx);
        int[] turn = {0};
        double alternating = median(runs, () -> runner.run(slotted, so, List.of(x), turn[0]++ % 2 == 0 ? a : b));
        double sameSet = median(runs, () -> runner.run(slotted, so, List.of(x), b));

        System.out.printf("SD1 UNet LoRA costs, batch 2, 32x32 latents, %d threads, median of %d runs (LoRA rank 8 on %d layers)%n",
                threads, runs, loras.get(0).size());
        System.out.printf("%-34s %9s %9s%n", "", "seconds", "ratio");
        row("base step", baseStep, baseStep);
        row("fused step (1 LoRA)", fusedStep, baseStep);
        row("slots step, 0 LoRAs", dynamic[0], baseStep);
        row("slots step, 1 LoRA", dynamic[1], baseStep);
        row("slots step, 3 LoRAs", dynamic[3], baseStep);
        System.out.printf("fusing 1 LoRA + new session + first run: %.2f s%n", fuseSeconds);
        System.out.printf("building slot feeds for a new set (once per set, then cached by the stages): 1 LoRA %.1f ms, 3 LoRAs %.1f ms"
                + " (warm, median of 9); first build in this JVM %.1f / %.1f ms%n", build[1] * 1e3, build[3] * 1e3, coldBuild[1] * 1e3, coldBuild[3] * 1e3);
        System.out.printf("switching between two prepared sets every run: step %.3f s vs %.3f s on one set (ratio %.2f; no new session)%n",
                alternating, sameSet, alternating / sameSet);
        System.out.printf("sessions: base 1, slotted 1 for all sets (new sessions while switching: 0)%n");
    }

    private static void row(String name, double s, double base) {
        System.out.printf("%-34s %9.3f %9.2f%n", name, s, s / base);
    }

    static LoraFile kohyaLora(long seed) {
        Map<String, Tensor> t = new java.util.LinkedHashMap<>();
        Map<String, long[]> unetKeys = new SD1UNet(4).stateDictShapes();
        LoraFormats.kohyaUnet().forEach((kohya, module) -> {
            String last = module.substring(module.lastIndexOf('.') + 1);
            boolean target = module.contains("CLIPLCrossAttention.") && (last.startsWith("Linear") || last.startsWith("Conv2d"));
            if (!target) return;
            long[] w = unetKeys.get(module + ".weight");
            long[] down = w.length == 2 ? new long[] {8, w[1]} : new long[] {8, w[1], 1, 1};
            long[] up = w.length == 2 ? new long[] {w[0], 8} : new long[] {w[0], 8, 1, 1};
            t.put("lora_unet_" + kohya + ".lora_down.weight", DetInit.tensor("lora_unet_" + kohya + ".lora_down.weight", down, seed));
            t.put("lora_unet_" + kohya + ".lora_up.weight", DetInit.tensor("lora_unet_" + kohya + ".lora_up.weight", up, seed));
            t.put("lora_unet_" + kohya + ".alpha", Tensor.ofFloats(new long[0], 8f));
        });
        return LoraFormats.parse("bench LoRA " + seed, "bench" + seed, t, unetKeys, new CLIPTextEncoderL().stateDictShapes(), -1);
    }

    /** Median seconds of {@code runs} calls after one warm-up call. */
    static double median(int runs, Supplier<Object> f) {
        f.get(); // warm-up (and first compile)
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long s = System.nanoTime();
            f.get();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        return t[runs / 2];
    }
}

package refiners.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import refiners.fluxion.Tensor;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLModels;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.StableDiffusion_XL;
import refiners.options.Args;
import refiners.settings.RuntimeVariables;

/**
 * The guided UNet step (a pair of samples) of SDXL against SD 1.5's at the same latent size, in one process, the two
 * alternating round after round (full-size detinit weights, mapped): medians and their ratio.
 */
public final class FamilyStepBench {
    private FamilyStepBench() {}

    public static final String USAGE = "bench-family-step [--latents 32] [--rounds 5] [--threads 0]\n"
            + "  SDXL's guided UNet step against SD 1.5's at the same latent size, alternating in one process (about 14 GB of mapped weights).";

    public static int run(String[] argv) {
        Args a = new Args(argv, List.of(), List.of("latents", "rounds", "threads"));
        int side = a.getInt("latents", 32), rounds = a.getInt("rounds", 5);
        Runner runner = new Runner(RuntimeVariables.fromEnvironment().withThreads(a.getInt("threads", 0)));
        long[] shape = {1, 4, side, side};
        LocalUNet sd15 = new LocalUNet(SD1Models.unet(SD1Weights.detinit()), LocalStages.DEFAULT_OPTIONS, null, runner);
        LocalUNet sdxl = new LocalUNet(SDXLModels.unet(SDXLWeights.parse(SDXLWeights.DETINIT)), LocalStages.DEFAULT_OPTIONS, null, runner);
        Tensor pooled = GaussianNoise.sample(3, 1, 1280);
        LocalUNet.Generation a15 = sd15.open(new SD1Stages.Conditioning(GaussianNoise.sample(1, 1, 77, 768), GaussianNoise.sample(2, 1, 77, 768), 7.5, List.of(), shape));
        LocalUNet.Generation axl = sdxl.open(new SD1Stages.Conditioning(GaussianNoise.sample(1, 1, 77, 2048), GaussianNoise.sample(2, 1, 77, 2048), 5.0,
                List.of(), shape, null, null, List.of(), null, null, new SD1Stages.TextTimeConditions(pooled, pooled, StableDiffusion_XL.timeIds(8 * side, 8 * side))));
        Tensor x = GaussianNoise.sample(4, shape);
        // warm-up: sessions built outside the timings
        System.out.printf(Locale.ROOT, "warm-up: sd15 %.1f s, sdxl %.1f s%n", step(a15, x), step(axl, x));
        double[] t15 = new double[rounds], txl = new double[rounds], c15 = new double[rounds], cxl = new double[rounds], ratios = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            // who goes first alternates, so that a drift of the machine's speed falls on both alike
            for (int k = 0; k < 2; k++) {
                double cpu = cpuSeconds();
                if ((i + k) % 2 == 0) {
                    t15[i] = step(a15, x);
                    c15[i] = cpuSeconds() - cpu;
                } else {
                    txl[i] = step(axl, x);
                    cxl[i] = cpuSeconds() - cpu;
                }
            }
            ratios[i] = txl[i] / t15[i];
            System.out.printf(Locale.ROOT, "round %d: sd15 %.3f s (cpu %.2f s), sdxl %.3f s (cpu %.2f s), sdxl / sd15 %.2f%n", i + 1, t15[i], c15[i], txl[i], cxl[i], ratios[i]);
        }
        double m15 = median(t15), mxl = median(txl);
        System.out.printf(Locale.ROOT, "guided UNet step (batch 2), %dx%d latents (%d px), median of %d alternating rounds%n", side, side, 8 * side, rounds);
        System.out.printf(Locale.ROOT, "sd15 %.3f s, sdxl %.3f s, sdxl / sd15 %.2f (per-round ratios %.2f-%.2f); process cpu seconds per step: sd15 %.2f, sdxl %.2f, ratio %.2f%n",
                m15, mxl, mxl / m15, Arrays.stream(ratios).min().orElse(0), Arrays.stream(ratios).max().orElse(0), median(c15), median(cxl), median(cxl) / median(c15));
        return 0;
    }

    private static double step(LocalUNet.Generation g, Tensor x) {
        long t0 = System.nanoTime();
        g.guidedNoise(0, 500, x);
        return (System.nanoTime() - t0) / 1e9;
    }

    /** This process's CPU seconds (all threads: ONNX Runtime's included), less sensitive to other jobs than wall time. */
    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}

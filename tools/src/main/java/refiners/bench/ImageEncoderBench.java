package refiners.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalImageEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.settings.RuntimeVariables;

/**
 * The image-prompt encoder's cost on this machine: full-size CLIPImageEncoderH (detinit weights), as text-encoder-svc
 * runs it (LocalImageEncoder). A batch of k is one call with k images, which is k + 1 rows: every call also encodes
 * the zero input (IP-Adapter Plus' negative). The batch sizes take turns within each round ({@code --runs} rounds,
 * the first a warm-up that builds each size's session); per image: the median call time over k. Memory: this process's
 * resident set before the weights load, after, after each size's first call (its session), and its peak.
 *
 * <p>Options: --batches 1,4, --runs 5, --size 512 (the side of the square test pictures, resized to 224 beforehand).
 */
public final class ImageEncoderBench {
    private ImageEncoderBench() {}

    public static final String USAGE = "bench-image-encoder [--batches 1,4] [--runs 5] [--size 512]\n"
            + "  CLIPImageEncoderH per image at each batch size (k images + the zero row per call), taking turns; RSS and peak.";

    public static int run(String[] args) {
        int runs = 5, size = 512;
        List<Integer> batches = List.of(1, 4);
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--batches" -> batches = java.util.Arrays.stream(args[i + 1].split(",")).map(Integer::parseInt).toList();
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--size" -> size = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
            }
        }
        System.out.println("before loading: RSS " + Rss.summary());
        LocalImageEncoder encoder = new LocalImageEncoder(LocalImageEncoder.load("detinit"), LocalStages.DEFAULT_OPTIONS,
                new Runner(RuntimeVariables.fromEnvironment()));
        System.out.println("weights loaded: RSS " + Rss.summary());
        // the inputs preprocessed beforehand: only the model call is timed (preprocessing is the service's, off the batch)
        List<List<List<Tensor>>> inputs = new ArrayList<>();
        for (int k : batches) {
            List<Tensor> images = new ArrayList<>();
            for (int i = 0; i < k; i++) images.add(picture(i, size));
            inputs.add(List.of(LocalImageEncoder.preprocess(images)));
        }
        double[][] perImage = new double[batches.size()][runs];
        for (int r = -1; r < runs; r++) // round -1: each size's session built
            for (int b = 0; b < batches.size(); b++) {
                long t0 = System.nanoTime();
                encoder.encodePreprocessed(inputs.get(b));
                double ms = (System.nanoTime() - t0) / 1e6 / batches.get(b);
                if (r < 0) System.out.printf(Locale.ROOT, "batch %d (%d rows) first call %.0f ms: RSS %s%n", batches.get(b), batches.get(b) + 1, ms * batches.get(b), Rss.summary());
                else perImage[b][r] = ms;
            }
        for (int b = 0; b < batches.size(); b++)
            System.out.printf(Locale.ROOT, "batch %d (%d rows): %.0f ms per image (median of %d calls)%n", batches.get(b), batches.get(b) + 1, PeerBench.median(perImage[b]), runs);
        System.out.println("end: RSS " + Rss.summary() + ", peak " + Rss.mib(Rss.peak()));
        return 0;
    }

    /** A detinit (size, size, 3) uint8 picture. */
    private static Tensor picture(int seed, int size) {
        float[] v = DetInit.tensor("bench:image-prompt", new long[] {size, size, 3}, seed, 0, 1).toFloatArray();
        java.nio.ByteBuffer b = Tensor.allocate(v.length);
        for (float f : v) b.put((byte) Math.max(0, Math.min(255, (int) (128 + 60 * f))));
        return new Tensor(DType.U8, new long[] {size, size, 3}, b.flip());
    }
}

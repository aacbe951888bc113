package refiners.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Contexts;
import refiners.fluxion.layers.Module;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Autoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.options.Args;
import refiners.settings.RuntimeVariables;

/**
 * Side by side in one JVM, alternating call by call on the same inputs: the PyTorch export of refiners' SD1 UNet on
 * ONNX Runtime (../shared/peer, default session options) and our compiled UNet in one or more variants (compile and
 * runtime settings); then CLIP-L and the VAE decoder in the same variants (no peer for them). Prints per-round medians,
 * their ratios (the only figures that mean anything on a shared machine), resident memory over weight bytes for each
 * side, and how far the outputs are apart. With --profile, ONNX Runtime's per-node profiles are summarized op by op.
 */
public final class PeerBench {
    private static final String USAGE = """
            bench-peer [--peer ../shared/peer/sd1-unet-torch-export] [--variants plain,default] [--models unet,clip,vae]
                       [--threads 2] [--rounds 3] [--runs 5] [--latent 32] [--device cpu|cuda[:N]] [--profile DIR]
              The PyTorch export of refiners' UNet (its weights rebuilt once into the refiners cache) and our UNet, CLIP-L
              and VAE decoder in each variant, alternating call by call in one JVM: per-round medians, ratios to the
              first side (min-max over rounds), resident memory over weight bytes, output differences.
              Variants: %s.
              --profile DIR writes ONNX Runtime profiles there and prints an op-by-op table (profiling slows calls).""";

    /** One model being timed: the peer's session or one of our variants. */
    interface Side extends AutoCloseable {
        String name();

        Tensor call();

        @Override
        void close();

        /** The profile file, when profiling was on. */
        default Path endProfiling() {
            return null;
        }
    }

    /** A side after its first call; mappedTensors: its weights that live in files, by "file@offset", with their bytes. */
    record Measured(Side side, long anonAdded, long weightBytes, Set<Path> weightFiles, double creationSeconds, Map<String, Long> mappedTensors) {}

    private PeerBench() {}

    public static String usage() {
        return USAGE.formatted(BenchVariant.describeAll());
    }

    public static int run(String[] argv) throws Exception {
        Args args = new Args(argv, List.of(), List.of("peer", "variants", "models", "threads", "rounds", "runs", "latent", "device", "profile"));
        Path peerDir = Path.of(args.get("peer", "../shared/peer/sd1-unet-torch-export"));
        List<String> variants = List.of(args.get("variants", "plain,default").split(","));
        for (String v : variants) BenchVariant.named(v); // fail before any work on a typo
        List<String> models = List.of(args.get("models", "unet,clip,vae").split(","));
        int threads = args.getInt("threads", 2), rounds = args.getInt("rounds", 3), runs = args.getInt("runs", 5), latent = args.getInt("latent", 32);
        if (rounds < 1 || runs < 1 || latent < 8 || latent % 8 != 0) throw new IllegalArgumentException("--rounds and --runs must be >= 1, --latent a multiple of 8");
        String device = args.get("device", "cpu");
        Path profile = args.has("profile") ? Files.createDirectories(Path.of(args.get("profile", null))) : null;
        RuntimeConfig base = RuntimeVariables.fromEnvironment().withThreads(threads).withDevice(device);
        System.out.printf("refiners bench-peer: %d threads, device %s, %d rounds x %d calls per side, alternating call by call; JVM %s, %d cores%n",
                threads, device, rounds, runs, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        for (String m : models) {
            switch (m) {
                case "unet" -> unet(peerDir, variants, base, latent, rounds, runs, profile);
                case "clip" -> clip(variants, base, rounds, runs, profile);
                case "vae" -> vae(variants, base, latent, rounds, runs, profile);
                default -> throw new IllegalArgumentException("--models: unknown model " + m + " (unet, clip, vae)");
            }
        }
        return 0;
    }

    private static void unet(Path peerDir, List<String> variants, RuntimeConfig base, int latent, int rounds, int runs, Path profile) throws Exception {
        Tensor x = DetInit.tensor("input:unet.x", new long[] {2, 4, latent, latent}, 1004, 0, 1);
        Tensor clip = DetInit.tensor("input:unet.clip_text_embedding", new long[] {2, 77, 768}, 1004, 0, 1);
        long timestep = 500;
        SD1UNet unet = SD1Models.unet(SD1Weights.detinit());
        Map<String, Map<String, Object>> ctx = Map.of("diffusion", Map.of("timestep", Tensor.ofFloats(new long[] {1}, timestep)),
                "cross_attention_block", Map.of("clip_text_embedding", clip));
        List<Measured> sides = new ArrayList<>();
        long baseline = Rss.anonymous();
        if (peerDir != null && !peerDir.toString().equals("none")) {
            PeerExport peer = PeerExport.materialize(peerDir);
            sides.add(measure(() -> peerSide(peer, base, x, timestep, clip, profile), peer.weightBytes(), Set.of(peer.weightsFile())));
        }
        for (String v : variants)
            sides.add(ours(BenchVariant.named(v), half(v) ? SD1Models.unet(HalfWeights.folder()) : unet, List.of(x), ctx, base, profile));
        double gflop = Work.gflop(unet, List.of(x), ctx, base);
        report(String.format("SD1 UNet, batch 2, %dx%d latents", latent, latent), sides, baseline, rounds, runs, profile, gflop, base);
    }

    private static void clip(List<String> variants, RuntimeConfig base, int rounds, int runs, Path profile) throws Exception {
        CLIPTextEncoderL encoder = SD1Models.textEncoder(SD1Weights.detinit());
        Tensor ids = encoder.tokenizer().tokenize(List.of("", "a photograph of an astronaut riding a horse"));
        List<Measured> sides = new ArrayList<>();
        long baseline = Rss.anonymous();
        for (String v : variants)
            sides.add(ours(BenchVariant.named(v), half(v) ? SD1Models.textEncoder(HalfWeights.folder()) : encoder, List.of(ids), Map.of(), base, profile));
        report("CLIP-L text encoder, batch 2 (the guidance pair)", sides, baseline, rounds, runs, profile, Work.gflop(encoder, List.of(ids), Map.of(), base), base);
    }

    private static void vae(List<String> variants, RuntimeConfig base, int latent, int rounds, int runs, Path profile) throws Exception {
        SD1Autoencoder lda = SD1Models.autoencoder(SD1Weights.detinit());
        Tensor z = DetInit.tensor("input:vae.latents", new long[] {1, 4, latent, latent}, 1005, 0, 1);
        List<Measured> sides = new ArrayList<>();
        long baseline = Rss.anonymous();
        for (String v : variants)
            sides.add(ours(BenchVariant.named(v), (half(v) ? SD1Models.autoencoder(HalfWeights.folder()) : lda).decodeChain(), List.of(z), Map.of(), base, profile));
        report(String.format("VAE decoder, batch 1, %dx%d latents -> %dx%d image", latent, latent, 8 * latent, 8 * latent), sides, baseline, rounds, runs, profile,
                Work.gflop(lda.decodeChain(), List.of(z), Map.of(), base), base);
    }

    /** float16 variants run on weights stored in float16 (mapped, as a converted model would be). */
    private static boolean half(String variant) {
        return BenchVariant.named(variant).options().dtype() == DType.F16;
    }

    private interface SideFactory {
        Side create() throws Exception;
    }

    /** Creates a side and makes its first call, recording the anonymous memory that added. */
    private static Measured measure(SideFactory f, long weightBytes, Set<Path> files) throws Exception {
        long a0 = Rss.anonymous(), t0 = System.nanoTime();
        Side s = f.create();
        double created = (System.nanoTime() - t0) / 1e9;
        s.call(); // warm-up: arenas and caches
        return new Measured(s, Rss.anonymous() - a0, weightBytes, files, created, Map.of());
    }

    private static Measured ours(BenchVariant v, Module model, List<Tensor> inputs, Map<String, Map<String, Object>> ctx, RuntimeConfig base, Path profile) throws Exception {
        RuntimeConfig config = v.runtime(base);
        if (profile != null) config = config.withProfiling(profile.resolve(model.className() + "-" + v.name()).toString());
        Runner runner = new Runner(config);
        CompileOptions options = v.options();
        Map<String, Tensor> feeds = Contexts.collect(model, ctx).tensors();
        CompiledModel[] holder = new CompiledModel[1];
        Measured m = measure(() -> {
            CompiledModel cm = runner.compile(model, options, inputs, ctx);
            holder[0] = cm;
            return new Side() {
                public String name() { return v.name(); }
                public Tensor call() { return cm.run(inputs, feeds).output(); }
                public void close() { cm.close(); }
                public Path endProfiling() { return profile == null ? null : cm.endProfiling(); }
            };
        }, 0, Set.of());
        Set<Path> files = new LinkedHashSet<>();
        Map<String, Long> mapped = new LinkedHashMap<>();
        long bytes = 0;
        for (Tensor t : holder[0].graph().weights().values()) {
            bytes += t.byteSize();
            if (t.origin() == null) continue;
            files.add(t.origin().file());
            mapped.put(t.origin().file() + "@" + t.origin().offset(), t.byteSize());
        }
        return new Measured(m.side(), m.anonAdded(), bytes, files, m.creationSeconds(), mapped);
    }

    private static Side peerSide(PeerExport peer, RuntimeConfig base, Tensor x, long timestep, Tensor clip, Path profile) throws OrtException {
        OrtSession session = peer.session(base, profile == null ? null : profile.resolve("peer").toString());
        Map<String, OnnxTensor> feeds = PeerExport.feeds(x, timestep, clip);
        return new Side() {
            public String name() { return "peer (torch export)"; }

            public Tensor call() {
                try (OrtSession.Result r = session.run(feeds)) {
                    OnnxTensor out = (OnnxTensor) r.get(0);
                    ByteBuffer b = out.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                    ByteBuffer copy = Tensor.allocate(b.remaining());
                    copy.put(b).flip();
                    return new Tensor(DType.F32, out.getInfo().getShape(), copy);
                } catch (OrtException e) {
                    throw new IllegalStateException("peer run failed: " + e.getMessage(), e);
                }
            }

            public Path endProfiling() {
                try {
                    return profile == null ? null : Path.of(session.endProfiling());
                } catch (OrtException e) {
                    throw new IllegalStateException(e);
                }
            }

            public void close() {
                try {
                    session.close();
                } catch (OrtException e) {
                    // gone either way
                }
                feeds.values().forEach(OnnxTensor::close);
            }
        };
    }

    /** Alternates the sides call by call (rotating who goes first), then prints times, ratios, memory and output gaps. */
    private static void report(String title, List<Measured> sides, long baselineAnon, int rounds, int runs, Path profile, double gflop, RuntimeConfig base) {
        int n = sides.size();
        double[][][] t = new double[n][rounds][runs];
        double[] gemm = new double[rounds * runs];
        // Mapped weights are page cache: if the machine evicts them (memory pressure elsewhere, dropped caches),
        // calls read them from disk again. Their resident size after each round shows when that happened.
        Set<Path> files = new LinkedHashSet<>();
        Map<String, Long> tensors = new LinkedHashMap<>();
        for (Measured m : sides) {
            if (m.mappedTensors().isEmpty()) continue; // the peer: ONNX Runtime read its file into its own buffers
            files.addAll(m.weightFiles());
            tensors.putAll(m.mappedTensors());
        }
        long mappedBytes = tensors.values().stream().mapToLong(Long::longValue).sum();
        String[] resident = new String[rounds];
        Tensor[] outs = new Tensor[n];
        try (Work.Gemm roofline = new Work.Gemm(base)) {
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < runs; i++) {
                    for (int k = 0; k < n; k++) {
                        int s = (k + i + r) % n;
                        long t0 = System.nanoTime();
                        outs[s] = sides.get(s).side().call();
                        t[s][r][i] = (System.nanoTime() - t0) / 1e9;
                    }
                    gemm[r * runs + i] = roofline.gflopPerSecond();
                }
                resident[r] = (Rss.mapped(files) >> 20) + " of " + (mappedBytes >> 20);
            }
        }
        System.out.printf("%n== %s%s ==%n", title, profile != null ? " (PROFILING ON: times include its overhead)" : "");
        StringBuilder head = new StringBuilder(String.format("%-8s", "round"));
        for (Measured m : sides) head.append(String.format(" %24s", m.side().name() + " s"));
        for (int s = 1; s < n; s++) head.append(String.format(" %12s", "ratio " + (s + 1) + "/1"));
        head.append(String.format(" %22s", "mapped weights MiB"));
        System.out.println(head);
        double[][] roundRatio = new double[n][rounds];
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder(String.format("%-8d", r + 1));
            double[] med = new double[n];
            for (int s = 0; s < n; s++) {
                med[s] = median(t[s][r]);
                line.append(String.format(" %24.3f", med[s]));
            }
            for (int s = 1; s < n; s++) {
                roundRatio[s][r] = med[s] / med[0];
                line.append(String.format(" %12.3f", roundRatio[s][r]));
            }
            line.append(String.format(" %22s", resident[r]));
            System.out.println(line);
        }
        double[] all0 = Arrays.stream(t[0]).flatMapToDouble(Arrays::stream).toArray();
        System.out.printf("%-28s %10s %10s %10s %14s %12s %12s %12s %12s%n", "side", "median s", "ratio", "ratio range", "session s",
                "anon+ MiB", "mapped MiB", "weights MiB", "RSS/weights");
        for (int s = 0; s < n; s++) {
            Measured m = sides.get(s);
            double[] all = Arrays.stream(t[s]).flatMapToDouble(Arrays::stream).toArray();
            double ratio = median(all) / median(all0);
            double lo = s == 0 ? 1 : Arrays.stream(roundRatio[s]).min().orElse(1), hi = s == 0 ? 1 : Arrays.stream(roundRatio[s]).max().orElse(1);
            long mapped = Rss.mapped(m.weightFiles());
            double rssOverWeights = (baselineAnon + m.anonAdded() + mapped) / (double) m.weightBytes();
            System.out.printf("%-28s %10.3f %10.3f %5.2f-%4.2f %14.2f %12d %12d %12d %12.2f%n", m.side().name(), median(all), ratio, lo, hi,
                    m.creationSeconds(), m.anonAdded() >> 20, mapped >> 20, m.weightBytes() >> 20, rssOverWeights);
        }
        System.out.printf("RSS/weights = (JVM before sessions %d MiB + the side's anon+ after its first call + its weight files' resident pages) / its weight bytes%n",
                baselineAnon >> 20);
        if (sides.stream().filter(m -> !m.mappedTensors().isEmpty()).count() > 1)
            System.out.println("(several of our variants map the same files: their resident pages are counted for each; run one variant for its own memory figure)");
        double best = Arrays.stream(gemm).max().orElse(0);
        System.out.printf("work: %.1f GFLOP per call (convolutions, matrix products, attention; from an ONNX Runtime profile of our graph).%n"
                + "GEMM yardstick, a %d^3 float32 Gemm (prepacked) timed between the calls: best %.0f GFLOP/s, median %.0f (on a quiet machine, the best every time).%n"
                + "Best call of each side, as GFLOP/s and as a fraction of that GEMM rate:", gflop, Work.Gemm.N, best, median(gemm));
        for (int s = 0; s < n; s++) {
            double rate = gflop / Arrays.stream(t[s]).flatMapToDouble(Arrays::stream).min().orElse(Double.NaN);
            System.out.printf(" %s %.0f (%.0f%%);", sides.get(s).side().name(), rate, 100 * rate / best);
        }
        System.out.println();
        for (int s = 1; s < n; s++) {
            float[] a = outs[0].toFloatArray(), b = outs[s].toFloatArray();
            double maxDiff = 0, maxRef = 0, sumDiff = 0, sumRef = 0;
            for (int i = 0; i < a.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                maxRef = Math.max(maxRef, Math.abs(a[i]));
                sumDiff += Math.abs(a[i] - b[i]);
                sumRef += Math.abs(a[i]);
            }
            System.out.printf("output %s vs %s: max |diff| %.3g (max |output| %.3g), mean |diff| %.3g (mean |output| %.3g)%n",
                    sides.get(s).side().name(), sides.get(0).side().name(), maxDiff, maxRef, sumDiff / a.length, sumRef / a.length);
        }
        if (profile != null) {
            List<String> names = new ArrayList<>();
            List<Path> profiles = new ArrayList<>();
            for (Measured m : sides) {
                names.add(m.side().name());
                profiles.add(m.side().endProfiling());
            }
            OrtProfile.compare(names, profiles, System.out);
        }
        sides.forEach(m -> m.side().close());
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}

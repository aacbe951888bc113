package refiners.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import refiners.conversion.SDXLComponent;
import refiners.fluxion.DetInit;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;
import refiners.launch.MeshProcesses;
import refiners.launch.MeshService;
import refiners.options.Args;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;

/**
 * unet-svc serving SDXL from float16 weights, as a deployment short of memory runs it: a mesh with REFINERS_MODELS=sdxl
 * whose unet-svc has REFINERS_DTYPE=float16 and REFINERS_SDXL_WEIGHTS a refiners folder holding the float16 detinit
 * UNet (the other stages: float32 detinit). After SDXL generations through the mesh, unet-svc's resident memory (all,
 * anonymous, file-backed, the UNet file's own pages) after start-up, after each generation and at its peak, over the
 * UNet file's bytes.
 */
public final class SDXLHalfMemoryBench {
    private SDXLHalfMemoryBench() {}

    public static final String USAGE = "bench-sdxl-f16 [--size 128] [--steps 2] [--generations 2]\n"
            + "  unet-svc's resident memory over its weight bytes when it serves SDXL from float16 weights, after generations through a mesh.";

    /**
     * What unet-svc held: {@code weightBytes} the float16 UNet file's size; {@code ready} after start-up (its warm-up
     * step run), {@code after} after the last generation; peaks over the run (total: the kernel's high-water mark, the
     * others sampled every 20 ms); {@code unetPages} the UNet file's resident pages at the end.
     */
    public record Report(long weightBytes, Rss.Usage ready, Rss.Usage after, long peakTotal, long peakAnonymous, long peakFileBacked, long unetPages) {
        public double peakRatio() {
            return (double) peakTotal / weightBytes;
        }

        public double peakAnonymousRatio() {
            return (double) peakAnonymous / weightBytes;
        }
    }

    public static int run(String[] argv) throws Exception {
        Args a = new Args(argv, List.of(), List.of("size", "steps", "generations"));
        Path root = Path.of(System.getProperty("mesh.root", ".")).toAbsolutePath().normalize();
        Report r = measure(root, root.resolve("target/sdxl-f16-logs"), a.getInt("size", 128), a.getInt("steps", 2), a.getInt("generations", 2), System.out);
        System.out.printf(Locale.ROOT, "unet-svc, SDXL UNet from %s of float16 weights: peak resident %s = %.3f x the weight bytes (anonymous peak %s = %.3f x,"
                        + " file-backed peak %s); after the generations %s = %.3f x, of which the UNet file's pages %s%n",
                Rss.mib(r.weightBytes()), Rss.mib(r.peakTotal()), r.peakRatio(), Rss.mib(r.peakAnonymous()), r.peakAnonymousRatio(), Rss.mib(r.peakFileBacked()),
                r.after().summary(), (double) r.after().total() / r.weightBytes(), Rss.mib(r.unetPages()));
        return 0;
    }

    /** Starts the mesh, runs {@code generations} SDXL generations of {@code size}² pixels and {@code steps} steps, stops it. */
    public static Report measure(Path root, Path logDir, int size, int steps, int generations, PrintStream out) throws IOException, InterruptedException {
        Path unetFile = halfFolder().resolve(SDXLComponent.UNET.refinersFile);
        long weightBytes = Files.size(unetFile);
        try (MeshProcesses mesh = new MeshProcesses(root, logDir, MeshProcesses.freePorts())) {
            mesh.env("REFINERS_MODELS", "sdxl").env("REFINERS_SDXL_WEIGHTS", SDXLWeights.DETINIT)
                    .env(MeshService.UNET, "REFINERS_SDXL_WEIGHTS", unetFile.getParent().toString()).env(MeshService.UNET, "REFINERS_DTYPE", "float16");
            long t0 = System.nanoTime();
            mesh.start(Duration.ofMinutes(15));
            long pid = mesh.pid(MeshService.UNET);
            Rss.Usage ready = Rss.of(pid);
            out.printf(Locale.ROOT, "mesh ready in %.1f s; unet-svc: %s, peak so far %s%n", (System.nanoTime() - t0) / 1e9, ready.summary(), Rss.mib(Rss.peak(pid)));
            AtomicLong peakAnonymous = new AtomicLong(ready.anonymous()), peakFile = new AtomicLong(ready.fileBacked());
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    Rss.Usage u = Rss.of(pid);
                    peakAnonymous.accumulateAndGet(u.anonymous(), Math::max);
                    peakFile.accumulateAndGet(u.fileBacked(), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "unet-svc-rss");
            sampler.setDaemon(true);
            sampler.start();
            ManagedChannel channel = ManagedChannelBuilder.forTarget(mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
            try {
                var stub = OrchestratorGrpc.newBlockingStub(channel);
                for (int i = 1; i <= generations; i++) {
                    long g0 = System.nanoTime();
                    MeshBench.generate(stub, GenerateRequest.newBuilder().setModel("sdxl").setPrompt("a lighthouse at dusk, " + i).setNegativePrompt("blurry")
                            .setSteps(steps).setGuidanceScale(5f).setWidth(size).setHeight(size).setSeed(i).build());
                    out.printf(Locale.ROOT, "generation %d (%dx%d, %d steps) in %.1f s; unet-svc: %s%n", i, size, size, steps, (System.nanoTime() - g0) / 1e9, Rss.of(pid).summary());
                }
            } finally {
                channel.shutdownNow();
                sampler.interrupt();
                sampler.join();
            }
            Rss.Usage after = Rss.of(pid);
            return new Report(weightBytes, ready, after, Rss.peak(pid), Math.max(peakAnonymous.get(), after.anonymous()), Math.max(peakFile.get(), after.fileBacked()),
                    Rss.mapped(pid, List.of(unetFile)));
        }
    }

    /**
     * A refiners-format folder in the cache whose unet.safetensors is the float16 detinit SDXL UNet (a hard link to
     * the file written once beside the float32 one): what `convert --dtype f16` makes of real weights.
     */
    static Path halfFolder() throws IOException {
        Path dir = Files.createDirectories(DetInit.cacheDirectory().resolve("detinit-v1-sdxl-f16"));
        Path unet = dir.resolve(SDXLComponent.UNET.refinersFile);
        if (!Files.exists(unet)) {
            Path half = DetInit.cachedHalfFile("SDXLUNet", new SDXLUNet(4).stateDictShapes(), SDXLComponent.UNET.detinitSeed);
            Files.createLink(unet, half);
        }
        return dir;
    }
}

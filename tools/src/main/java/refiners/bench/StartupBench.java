package refiners.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import refiners.conversion.SD1Component;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.launch.MeshProcesses;
import refiners.mesh.DenoiseCall;
import refiners.mesh.ProcStat;
import refiners.mesh.WireTensors;
import refiners.options.Args;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseStart;
import refiners.proto.unet.v1.DenoiseStep;
import refiners.proto.unet.v1.UNetGrpc;

/**
 * unet-svc alone, started on a fresh cache folder holding a hard link of the full-size detinit UNet (so the first
 * start writes only the NCHWc copy) and then again on the same folder: for each start the time to ready, the
 * process's CPU seconds by then, its resident memory after ready and after a first request (one step at {@code size}²),
 * the part of it that is the UNet file's and the copy's pages, and the service's own breakdown (its log line "UNet
 * start-up: ..."). Prints figures; asserts nothing.
 */
public final class StartupBench {
    private StartupBench() {}

    public static final String USAGE = "bench-startup [--starts 2] [--size 256] [--folder target/startup-cache] [--inpainting]\n"
            + "  unet-svc alone, first start on a fresh cache folder then later starts: ready time, CPU, resident memory after ready and after a first request, the service's breakdown"
            + " (--inpainting: with the detinit inpainting UNet too).";

    public static int run(String[] argv) throws Exception {
        Args a = new Args(argv, List.of("inpainting"), List.of("starts", "size", "folder"));
        boolean inpainting = a.flag("inpainting");
        Path root = Path.of(System.getProperty("mesh.root", ".")).toAbsolutePath().normalize();
        Path folder = Path.of(a.get("folder", root.resolve("target/startup-cache").toString())).toAbsolutePath();
        List<Path> weights = freshFolder(folder, inpainting);
        long weightBytes = 0;
        for (Path w : weights) weightBytes += Files.size(w);
        System.out.printf(Locale.ROOT, "weights %s (%s); load average %s%n", weights, Rss.mib(weightBytes), Files.readString(Path.of("/proc/loadavg")).trim());
        for (int i = 1; i <= a.getInt("starts", 2); i++)
            start(root, folder, weights, weightBytes, inpainting, i == 1 ? "first start" : "later start", root.resolve("target/startup-logs/start-" + i + ".log"), a.getInt("size", 256));
        return 0;
    }

    /**
     * The cache folder emptied, with the detinit UNet (and the inpainting one) hard-linked where REFINERS_WEIGHTS=detinit
     * finds them; the links.
     */
    private static List<Path> freshFolder(Path folder, boolean inpainting) throws IOException {
        if (Files.exists(folder))
            try (Stream<Path> all = Files.walk(folder)) {
                for (Path p : all.sorted((x, y) -> y.compareTo(x)).toList()) Files.delete(p);
            }
        List<Path> links = new ArrayList<>(List.of(link(folder, DetInit.cachedFile("SD1UNet", new SD1UNet(4).stateDictShapes(), SD1Component.UNET.detinitSeed))));
        if (inpainting) links.add(link(folder, DetInit.cachedFile("SD1UNet", new SD1UNet(9).stateDictShapes(), SD1Component.INPAINTING_UNET.detinitSeed)));
        return links;
    }

    private static Path link(Path folder, Path source) throws IOException {
        Path link = folder.resolve(DetInit.cacheDirectory().relativize(source));
        Files.createDirectories(link.getParent());
        return Files.createLink(link, source);
    }

    private static void start(Path root, Path folder, List<Path> weights, long weightBytes, boolean inpainting, String what, Path log, int size) throws Exception {
        int port = MeshProcesses.freePorts().values().iterator().next();
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g", "-XX:MaxDirectMemorySize=16g",
                "-Dquarkus.log.category.\"refiners.fluxion.runtime\".level=DEBUG", "-jar", root.resolve("unet-svc/target/quarkus-app/quarkus-run.jar").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("UNET_PORT", Integer.toString(port));
        pb.environment().put("REFINERS_HOST", "127.0.0.1");
        pb.environment().put("REFINERS_CACHE", folder.toString());
        pb.environment().put("REFINERS_WEIGHTS", "detinit");
        if (inpainting) pb.environment().put("REFINERS_INPAINTING_WEIGHTS", "detinit");
        long t0 = System.nanoTime();
        Process p = pb.start();
        try {
            MeshProcesses.awaitReady("unet-svc", HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), "http://127.0.0.1:" + port, log,
                    t0 + Duration.ofMinutes(5).toNanos(), () -> {
                        if (!p.isAlive()) throw new IllegalStateException("unet-svc exited; log " + log + ":\n" + MeshProcesses.tail(log));
                    });
            double ready = (System.nanoTime() - t0) / 1e9, cpu = ProcStat.of(p.pid()).cpuSeconds();
            Thread.sleep(1000);
            Rss.Usage afterReady = Rss.of(p.pid());
            double request = firstRequest(port, size);
            Rss.Usage afterRequest = Rss.of(p.pid());
            System.out.printf(Locale.ROOT, "%s: ready in %.1f s (process CPU %.1f s), first %d² step %.1f s%n", what, ready, cpu, size, request);
            System.out.printf(Locale.ROOT, "  resident after ready %s = %.3f x the weights; after the request %s = %.3f x%n", afterReady.summary(),
                    (double) afterReady.total() / weightBytes, afterRequest.summary(), (double) afterRequest.total() / weightBytes);
            System.out.printf(Locale.ROOT, "  of which the weight files' pages %s, the NCHWc copies' %s; peak %s%n", Rss.mib(Rss.mapped(p.pid(), weights)),
                    Rss.mib(Rss.mapped(p.pid(), copies(folder))), Rss.mib(Rss.peak(p.pid())));
            for (String line : Files.readAllLines(log))
                if (line.contains("UNet start-up") || line.contains(" started in ") || line.contains("graph of"))
                    System.out.println("  log: " + line.substring(line.indexOf(") ") + 2));
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    /** One Denoise stream of one step on zero latents of {@code size}² pixels; its seconds. */
    private static double firstRequest(int port, int size) throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().maxInboundMessageSize(64 << 20).build();
        try {
            long t0 = System.nanoTime();
            DenoiseCall call = DenoiseCall.open(UNetGrpc.newStub(channel));
            var embedding = WireTensors.toMessage(Tensor.zeros(DType.F32, 1, 77, 768));
            call.send(DenoiseRequest.newBuilder().setStart(DenoiseStart.newBuilder().setConditionalEmbedding(embedding).setUnconditionalEmbedding(embedding)
                    .setGuidanceScale(7.5f).addAllLatentShape(List.of(1L, 4L, size / 8L, size / 8L))).build());
            call.send(DenoiseRequest.newBuilder().setStep(DenoiseStep.newBuilder().setStepIndex(0).setTimestep(999)
                    .setLatents(WireTensors.toMessage(Tensor.zeros(DType.F32, 1, 4, size / 8, size / 8)))).build());
            call.halfClose();
            while (call.next(Duration.ofMinutes(5)) != null) {
                // the ready answer, then the step's noise
            }
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            channel.shutdownNow();
        }
    }

    /** The NCHWc copy's files in the cache folder. */
    private static List<Path> copies(Path folder) throws IOException {
        Path dir = folder.resolve("nchwc-v2");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> all = Files.walk(dir)) {
            return new ArrayList<>(all.filter(f -> f.toString().endsWith(".f32")).toList());
        }
    }
}

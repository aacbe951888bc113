package refiners.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.launch.MeshProcesses;
import refiners.launch.MeshService;
import refiners.launch.Prometheus;
import refiners.mesh.GenerateRequests;
import refiners.pipeline.InProcessPipeline;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;

/**
 * The same requests through the mesh (four processes on loopback) and in this JVM, alternately, after one warm-up
 * each: end-to-end times, their ratio, and per UNet step the transport (the generation's time for the step minus
 * unet-svc's call and queue wait, as refiners_unet_step_transport_seconds measures it: mean and median) beside the
 * difference of the two sides' steps. Both sides have a LoRA folder, as deployed services do (an empty one unless
 * given), and the requests have no LoRA.
 *
 * <p>Options: --requests N (5), --steps N (5), --size PIXELS (64), --solver NAME (dpm), --warmup N (1 request per side),
 * --lora-dir DIR; --fewsteps: the few-step comparison instead ({@link FewStepsBench}).
 */
public final class MeshBench {
    private MeshBench() {}

    public static int run(String[] args) throws Exception {
        if (java.util.Arrays.asList(args).contains("--fewsteps")) return FewStepsBench.run(args);
        int requests = 5, steps = 5, size = 64, warmups = 1;
        String solver = "dpm";
        Path root = Path.of(System.getProperty("mesh.root", ".")).toAbsolutePath().normalize();
        Path loraDir = root.resolve("target/mesh-bench-loras");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--requests" -> requests = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--size" -> size = Integer.parseInt(args[i + 1]);
                case "--solver" -> solver = args[i + 1];
                case "--warmup" -> warmups = Integer.parseInt(args[i + 1]);
                case "--lora-dir" -> loraDir = Path.of(args[i + 1]).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        java.nio.file.Files.createDirectories(loraDir);
        SD1Weights weights = SD1Weights.parse(MeshProcesses.weights());
        System.out.println("weights: " + weights.describe());
        System.out.printf(Locale.ROOT, "requests: %d x (%dx%d, %d steps, %s), LoRA folder %s on both sides%n", requests, size, size, steps, solver, loraDir);

        long t0 = System.nanoTime();
        InProcessPipeline inProcess = new InProcessPipeline(weights, Optional.of(loraDir.toString())); // first: writes detinit files once
        System.out.printf(Locale.ROOT, "in-process models loaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        try (MeshProcesses mesh = new MeshProcesses(root, root.resolve("target/mesh-bench-logs"), MeshProcesses.freePorts())) {
            t0 = System.nanoTime();
            mesh.env("REFINERS_LORA_DIR", loraDir.toString()).start(Duration.ofMinutes(15));
            System.out.printf(Locale.ROOT, "mesh ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            ManagedChannel channel = ManagedChannelBuilder.forTarget(mesh.address(MeshService.ORCHESTRATOR)).usePlaintext()
                    .maxInboundMessageSize(64 << 20).build();
            try {
                var stub = OrchestratorGrpc.newBlockingStub(channel);
                // warm-up: session builds on both sides, and the JIT's first compilations
                for (int w = 0; w < warmups; w++) {
                    GenerateRequest warm = request(-w, steps, size, solver);
                    generate(stub, warm);
                    inProcess.generate(GenerateRequests.toGenerationRequest(warm, Long.MAX_VALUE), ProgressListener.NONE);
                }

                double meshTotal = 0, localTotal = 0, meshUnet = 0, localUnet = 0;
                double[] meshStages = new double[4], localStages = new double[4];
                double[] ratios = new double[requests];
                double outsideLoop = 0, meshCompute = 0, meshQueue = 0;
                TreeMap<Double, Double> transportBefore = transportBuckets(mesh);
                for (int i = 1; i <= requests; i++) {
                    GenerateRequest r = request(i, steps, size, solver);
                    GenerationRequest g = GenerateRequests.toGenerationRequest(r, Long.MAX_VALUE);
                    // alternate which goes first, so that drifts of the machine's speed fall on both alike
                    Result viaMesh = null;
                    GenerationResult local = null;
                    double meshSeconds = 0, localSeconds = 0;
                    for (int k = 0; k < 2; k++) {
                        long a = System.nanoTime();
                        if ((k + i) % 2 == 0) {
                            viaMesh = generate(stub, r);
                            meshSeconds = (System.nanoTime() - a) / 1e9;
                        } else {
                            local = inProcess.generate(g, ProgressListener.NONE);
                            Images.toPng(local.image()); // the same deliverable as the mesh's
                            localSeconds = (System.nanoTime() - a) / 1e9;
                        }
                    }
                    outsideLoop += meshSeconds - viaMesh.getTimings().getTotalSeconds();
                    meshTotal += meshSeconds;
                    localTotal += localSeconds;
                    meshUnet += viaMesh.getTimings().getUnetSeconds();
                    meshCompute += viaMesh.getTimings().getUnetComputeSeconds();
                    meshQueue += viaMesh.getTimings().getUnetQueueSeconds();
                    localUnet += local.timings().unetSeconds();
                    var mt = viaMesh.getTimings();
                    var lt = local.timings();
                    add(meshStages, mt.getTextEncoderSeconds(), mt.getUnetSeconds(), mt.getSolverSeconds(), mt.getVaeSeconds());
                    add(localStages, lt.textEncoderSeconds(), lt.unetSeconds(), lt.solverSeconds(), lt.vaeSeconds());
                    ratios[i - 1] = meshSeconds / localSeconds;
                    System.out.printf(Locale.ROOT, "request %d: mesh %.3f s, in process %.3f s%n", i, meshSeconds, localSeconds);
                }
                double transportMedian = Prometheus.quantile(Prometheus.difference(transportBuckets(mesh), transportBefore), 0.5);
                int totalSteps = requests * steps;
                java.util.Arrays.sort(ratios);
                System.out.printf(Locale.ROOT, "end to end: mesh %.3f s, in process %.3f s per request; ratio mesh / in process = %.3f (median of per-request ratios %.3f)%n",
                        meshTotal / requests, localTotal / requests, meshTotal / localTotal, ratios[requests / 2]);
                System.out.printf(Locale.ROOT, "per request, mesh vs in process: text-encoder %.1f / %.1f ms, unet %.1f / %.1f ms, solver %.1f / %.1f ms, vae %.1f / %.1f ms%n",
                        1e3 * meshStages[0] / requests, 1e3 * localStages[0] / requests, 1e3 * meshStages[1] / requests, 1e3 * localStages[1] / requests,
                        1e3 * meshStages[2] / requests, 1e3 * localStages[2] / requests, 1e3 * meshStages[3] / requests, 1e3 * localStages[3] / requests);
                System.out.printf(Locale.ROOT, "mesh time outside the generation loop (call, validation, queue, PNG, result transfer): %.1f ms per request%n",
                        1e3 * outsideLoop / requests);
                System.out.printf(Locale.ROOT, "UNet per step: in process %.2f ms; through the mesh %.2f ms, of which unet-svc's call %.2f ms and queue wait %.2f ms%n",
                        1e3 * localUnet / totalSteps, 1e3 * meshUnet / totalSteps, 1e3 * meshCompute / totalSteps, 1e3 * meshQueue / totalSteps);
                System.out.printf(Locale.ROOT, "per-step transport (step - call - queue wait, refiners_unet_step_transport_seconds): mean %.2f ms, median %.2f ms; mesh step - in-process step %.2f ms%n",
                        1e3 * (meshUnet - meshCompute - meshQueue) / totalSteps, 1e3 * transportMedian, 1e3 * (meshUnet - localUnet) / totalSteps);
            } finally {
                channel.shutdownNow();
            }
        }
        return 0;
    }

    private static void add(double[] sums, double... values) {
        for (int i = 0; i < sums.length; i++) sums[i] += values[i];
    }

    private static GenerateRequest request(int i, int steps, int size, String solver) {
        return GenerateRequest.newBuilder().setPrompt("a lighthouse on a cliff at sunset, request " + i).setNegativePrompt("blurry")
                .setSteps(steps).setGuidanceScale(7.5f).setSolver(solver).setWidth(size).setHeight(size).setSeed(1000 + i).build();
    }

    /** One generation through the mesh: its result. */
    static Result generate(OrchestratorGrpc.OrchestratorBlockingStub stub, GenerateRequest r) {
        var events = stub.withDeadlineAfter(30, TimeUnit.MINUTES).generate(r);
        Result result = null;
        while (events.hasNext()) {
            GenerateEvent e = events.next();
            if (e.hasResult()) result = e.getResult();
        }
        if (result == null) throw new IllegalStateException("no result");
        return result;
    }

    /** The orchestrator's histogram of step transports (cumulative buckets). */
    static TreeMap<Double, Double> transportBuckets(MeshProcesses mesh) throws IOException, InterruptedException {
        return Prometheus.buckets(Prometheus.scrape(mesh.httpUrl(MeshService.ORCHESTRATOR)), "refiners_unet_step_transport_seconds");
    }
}

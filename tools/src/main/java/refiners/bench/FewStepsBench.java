package refiners.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import refiners.conversion.LcmLoraLayout;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.launch.MeshProcesses;
import refiners.launch.MeshService;
import refiners.mesh.GenerateRequests;
import refiners.pipeline.InProcessPipeline;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;

/**
 * bench-mesh --fewsteps: the time to an image through the mesh and in process, alternating, for (a) DPM 30 steps with
 * guidance 7.5, (b) LCM 4 steps with guidance 1 and an LCM-LoRA (a detinit file in the published SD1.5 layout, see
 * {@link LcmLoraLayout}), (c) LCM 4 steps with guidance 1.5; the ratios (a)/(b) end to end and of UNet time, and where
 * (b)'s time goes. After one warm-up of each case on each side (1 step: sessions, LoRA slots).
 *
 * <p>Options: --size PIXELS (512), --rounds N (1), --dpm-steps N (30), --lcm-steps N (4).
 */
final class FewStepsBench {
    /** One case and its request for round {@code i} with {@code stepsOverride} steps (0: the case's own); its own prompt (the mesh caches prompts). */
    private record Case(String name, String solver, int steps, float guidance, boolean lcmLora) {
        GenerateRequest request(int i, int size, int stepsOverride) {
            GenerateRequest.Builder b = GenerateRequest.newBuilder().setPrompt("a lighthouse on a cliff at sunset, request " + i + ", case " + name.charAt(0)).setNegativePrompt("blurry")
                    .setSteps(stepsOverride > 0 ? stepsOverride : steps).setGuidanceScale(guidance).setSolver(solver).setWidth(size).setHeight(size).setSeed(1000 + i);
            if (lcmLora) b.addLoras(LoraWeight.newBuilder().setName("lcm").setScale(1f));
            return b.build();
        }
    }

    /** Per case and side: seconds end to end, text encoder, UNet, solver, VAE. */
    private static final int E2E = 0, TEXT = 1, UNET = 2, SOLVER = 3, VAE = 4;

    private FewStepsBench() {}

    static int run(String[] args) throws Exception {
        int size = 512, rounds = 1, dpmSteps = 30, lcmSteps = 4;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--fewsteps")) continue;
            String v = args[++i];
            switch (args[i - 1]) {
                case "--size" -> size = Integer.parseInt(v);
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--dpm-steps" -> dpmSteps = Integer.parseInt(v);
                case "--lcm-steps" -> lcmSteps = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i - 1]);
            }
        }
        List<Case> cases = List.of(new Case("a: dpm " + dpmSteps + " steps, guidance 7.5", "dpm", dpmSteps, 7.5f, false),
                new Case("b: lcm " + lcmSteps + " steps, guidance 1, LCM-LoRA", "lcm", lcmSteps, 1f, true),
                new Case("c: lcm " + lcmSteps + " steps, guidance 1.5", "lcm", lcmSteps, 1.5f, false));
        Path root = Path.of(System.getProperty("mesh.root", ".")).toAbsolutePath().normalize();
        Path loras = Files.createDirectories(root.resolve("target/fewsteps-bench-loras"));
        SafeTensorsWriter.write(loras.resolve("lcm.safetensors"), LcmLoraLayout.detinit(new SD1UNet(4).stateDictShapes(), LcmLoraLayout.RANK, LcmLoraLayout.ALPHA, 64));
        SD1Weights weights = SD1Weights.parse(MeshProcesses.weights());
        System.out.println("weights: " + weights.describe() + "; LCM-LoRA: detinit, published SD1.5 layout, rank " + LcmLoraLayout.RANK + ", " + LcmLoraLayout.modules().size() + " layers");
        System.out.printf(Locale.ROOT, "%dx%d, %d round(s), %d cores%n", size, size, rounds, Runtime.getRuntime().availableProcessors());

        InProcessPipeline inProcess = new InProcessPipeline(weights, Optional.of(loras.toString()));
        try (MeshProcesses mesh = new MeshProcesses(root, root.resolve("target/mesh-bench-logs"), MeshProcesses.freePorts())) {
            mesh.env("REFINERS_LORA_DIR", loras.toString()).start(Duration.ofMinutes(15));
            ManagedChannel channel = ManagedChannelBuilder.forTarget(mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
            try {
                var stub = OrchestratorGrpc.newBlockingStub(channel);
                for (Case c : cases) { // warm-up: sessions at this size, batch 1 and 2, the LoRA's slots
                    GenerateRequest r = c.request(0, size, 1);
                    MeshBench.generate(stub, r);
                    inProcess.generate(GenerateRequests.toGenerationRequest(r, Long.MAX_VALUE), ProgressListener.NONE);
                }
                System.out.println("warmed up");
                double[][][] sums = new double[cases.size()][2][5]; // case, side (0 mesh, 1 in process), figure
                for (int round = 1; round <= rounds; round++)
                    for (int k = 0; k < cases.size(); k++) {
                        GenerateRequest r = cases.get(k).request(round, size, 0);
                        for (int side : (round + k) % 2 == 0 ? new int[] {0, 1} : new int[] {1, 0}) { // who goes first alternates
                            double[] t = side == 0 ? viaMesh(stub, r) : inProcess(inProcess, r);
                            for (int f = 0; f < 5; f++) sums[k][side][f] += t[f] / rounds;
                            System.out.printf(Locale.ROOT, "round %d, %s, %s: %.2f s%n", round, cases.get(k).name(), side == 0 ? "mesh" : "in process", t[E2E]);
                        }
                    }
                report(cases, sums);
            } finally {
                channel.shutdownNow();
            }
        }
        return 0;
    }

    private static double[] viaMesh(OrchestratorGrpc.OrchestratorBlockingStub stub, GenerateRequest r) {
        long a = System.nanoTime();
        Result result = MeshBench.generate(stub, r);
        double e2e = (System.nanoTime() - a) / 1e9;
        var t = result.getTimings();
        return new double[] {e2e, t.getTextEncoderSeconds(), t.getUnetSeconds(), t.getSolverSeconds(), t.getVaeSeconds()};
    }

    private static double[] inProcess(InProcessPipeline pipeline, GenerateRequest r) {
        long a = System.nanoTime();
        GenerationResult result = pipeline.generate(GenerateRequests.toGenerationRequest(r, Long.MAX_VALUE), ProgressListener.NONE);
        Images.toPng(result.image()); // the mesh's deliverable
        double e2e = (System.nanoTime() - a) / 1e9;
        var t = result.timings();
        return new double[] {e2e, t.textEncoderSeconds(), t.unetSeconds(), t.solverSeconds(), t.vaeSeconds()};
    }

    private static void report(List<Case> cases, double[][][] s) {
        String[] sides = {"mesh", "in process"};
        for (int k = 0; k < cases.size(); k++)
            for (int side = 0; side < 2; side++)
                System.out.printf(Locale.ROOT, "%s, %s: end to end %.2f s; text encoder %.2f s, UNet %.2f s, solver %.3f s, VAE decode %.2f s%n",
                        cases.get(k).name(), sides[side], s[k][side][E2E], s[k][side][TEXT], s[k][side][UNET], s[k][side][SOLVER], s[k][side][VAE]);
        for (int side = 0; side < 2; side++) {
            double[] a = s[0][side], b = s[1][side], c = s[2][side];
            System.out.printf(Locale.ROOT, "%s: (a)/(b) end to end %.2f (goal >= 5), UNet %.2f (goal >= 12); (a)/(c) end to end %.2f, UNet %.2f; (c)/(b) UNet %.2f%n",
                    sides[side], a[E2E] / b[E2E], a[UNET] / b[UNET], a[E2E] / c[E2E], a[UNET] / c[UNET], c[UNET] / b[UNET]);
            System.out.printf(Locale.ROOT, "%s: (b)'s time: text encoder %.1f %%, UNet %.1f %%, solver %.1f %%, VAE decode %.1f %%, the rest %.1f %%%n", sides[side],
                    100 * b[TEXT] / b[E2E], 100 * b[UNET] / b[E2E], 100 * b[SOLVER] / b[E2E], 100 * b[VAE] / b[E2E],
                    100 * (b[E2E] - b[TEXT] - b[UNET] - b[SOLVER] - b[VAE]) / b[E2E]);
        }
    }
}

package refiners.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.launch.MeshProcesses;
import refiners.launch.MeshService;
import refiners.launch.Prometheus;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;

/**
 * Throughput of the mesh under concurrent generations, with continuous batching on and off in one run, taking turns
 * (every configuration's mesh up; blocks of half the generations in the order on, off, off, on): for each image size
 * and each N, N clients each starting its next generation as soon as its last one ends (half with a LoRA: N in flight
 * all the time, as a serving load is, not rounds that end with a lone straggler), until {@code --generations} have run;
 * generations per minute, p50/p95 latency, the UNet's mean batch size (generations per call, from unet-svc's
 * metrics), and per step the time waited in unet-svc's queue and the transport (a step's time in the generation minus
 * its UNet call and its queue wait, as {@link MeshBench} defines it: the mean, and the median from the orchestrator's
 * refiners_unet_step_transport_seconds histogram). The services' JIT warms up over about a thousand steps (a cold
 * mesh's transport is several times its warm one): {@code --warmup-steps} runs that many steps per mesh first.
 * "off" runs every stage with REFINERS_MAX_BATCH=1 (what the deterministic switch does). With {@code --unet-replicas 2}
 * the orchestrator balances over two unet-svc processes, once per balancing policy given. With {@code --unet dry}
 * unet-svc answers steps without running the UNet (REFINERS_UNET_DRY_RUN): the transport of a step with ONNX Runtime
 * idle, as on a machine whose UNet runs on a GPU; {@code --unet real,dry} measures both, taking turns.
 *
 * <p>Options: --sizes 64,256 --concurrency 1,2,4,8 --steps 3 --generations 16 --modes on,off --solver dpm
 * --unet-replicas 1 --balancing refiners_fill --unet real --warmup-steps 0 (comma-separated lists).
 */
public final class ThroughputBench {
    private ThroughputBench() {}

    public static final String USAGE = "bench-throughput [--sizes 64,256] [--concurrency 1,2,4,8] [--steps 3] [--generations 16] [--modes on,off]\n"
            + "                 [--unet-replicas 1] [--balancing refiners_fill[,refiners_spread]] [--solver dpm] [--unet real[,dry]]\n"
            + "                 [--warmup-steps 0]\n"
            + "  N concurrent generations through the mesh (half with a LoRA), batching on and off: generations/min, p50/p95 latency,\n"
            + "  mean UNet batch, queue wait and transport per step (mean, median). --unet dry: steps answer without running the UNet (transport with\n"
            + "  ORT idle). --warmup-steps: steps each mesh runs first (at the first size), to measure warm services.";

    record Options(List<Integer> sizes, List<Integer> concurrency, int steps, int generations, List<String> modes, String solver, int unetReplicas,
                   List<String> balancing, List<String> unets, int warmupSteps) {}

    /** One (size, N) measurement of one configuration. */
    record Row(String config, int size, int n, int generations, double perMinute, double p50, double p95, double meanBatch, double queueMs,
               double transportMs, double transportP50Ms, String load) {}

    public static int run(String[] args) throws Exception {
        Options o = parse(args);
        Path root = Path.of(System.getProperty("mesh.root", ".")).toAbsolutePath().normalize();
        Path work = root.resolve("target/throughput-bench");
        Path loras = Files.createDirectories(work.resolve("loras"));
        SafeTensorsWriter.write(loras.resolve("style.safetensors"), lora());
        System.out.println("weights: " + MeshProcesses.weights() + "; LoRA for half the generations: rank 8 on the UNet's cross-attention Linears");
        System.out.printf(Locale.ROOT, "sizes %s, N %s, %d steps (%s), %d generations per N, modes %s, %d unet-svc replica(s)%s%n", o.sizes(), o.concurrency(), o.steps(),
                o.solver(), o.generations(), o.modes(), o.unetReplicas(), o.unetReplicas() > 1 ? ", balancing " + o.balancing() : "");
        if (o.unets().contains("dry")) System.out.println("--unet dry: unet-svc answers every step with zeros without running the UNet: generations/min and latency are not"
                + " the model's; its transport column is the mesh's own with ONNX Runtime idle");
        if (MeshProcesses.weights().equals("detinit")) SD1Models.detinit(); // the weight files, written once before the services map them
        Map<String, MeshProcesses> meshes = new LinkedHashMap<>();
        try {
            List<String> balancings = o.unetReplicas() > 1 ? o.balancing() : List.of(o.balancing().get(0));
            for (String mode : o.modes())
                for (String balancing : balancings)
                    for (String unet : o.unets()) {
                        String config = mode + (o.unetReplicas() > 1 ? " " + balancing : "") + (unet.equals("dry") ? " dry" : "");
                        MeshProcesses mesh = new MeshProcesses(root, work.resolve("logs-" + config.replace(' ', '-')), MeshProcesses.freePorts());
                        meshes.put(config, mesh);
                        mesh.env("REFINERS_LORA_DIR", loras.toString()).env("REFINERS_MAX_BATCH", mode.equals("on") ? "8" : "1")
                                .env(MeshService.ORCHESTRATOR, "REFINERS_LOAD_BALANCING", balancing).env("REFINERS_UNET_DRY_RUN", Boolean.toString(unet.equals("dry")));
                        if (o.unetReplicas() > 1) mesh.replicas(MeshService.UNET, o.unetReplicas());
                        long t0 = System.nanoTime();
                        mesh.start(Duration.ofMinutes(15));
                        System.out.printf(Locale.ROOT, "[%s] mesh ready in %.1f s%n", config, (System.nanoTime() - t0) / 1e9);
                    }
            print(measure(meshes, o), o);
        } finally {
            for (MeshProcesses mesh : meshes.values()) mesh.close();
        }
        return 0;
    }

    static Options parse(String[] args) {
        Map<String, String> v = new LinkedHashMap<>(Map.of("--sizes", "64,256", "--concurrency", "1,2,4,8", "--steps", "3", "--generations", "16",
                "--modes", "on,off", "--solver", "dpm", "--unet-replicas", "1", "--balancing", "refiners_fill", "--unet", "real", "--warmup-steps", "0"));
        for (int i = 0; i < args.length; i += 2) {
            if (!v.containsKey(args[i]) || i + 1 >= args.length) throw new IllegalArgumentException("unknown option or missing value: " + args[i] + "\n" + USAGE);
            v.put(args[i], args[i + 1]);
        }
        List<String> modes = List.of(v.get("--modes").split(","));
        for (String m : modes) if (!m.equals("on") && !m.equals("off")) throw new IllegalArgumentException("--modes: on and/or off, not " + m);
        List<String> unets = List.of(v.get("--unet").split(","));
        for (String u : unets) if (!u.equals("real") && !u.equals("dry")) throw new IllegalArgumentException("--unet: real and/or dry, not " + u);
        return new Options(ints(v.get("--sizes")), ints(v.get("--concurrency")), Integer.parseInt(v.get("--steps")), Integer.parseInt(v.get("--generations")),
                modes, v.get("--solver"), Integer.parseInt(v.get("--unet-replicas")), List.of(v.get("--balancing").split(",")), unets,
                Integer.parseInt(v.get("--warmup-steps")));
    }

    private static List<Integer> ints(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    /** A rank-8 LoRA in refiners' format on every Linear of the UNet's cross-attention blocks (detinit values). */
    static Map<String, Tensor> lora() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        new SD1UNet(4).stateDictShapes().forEach((key, shape) -> {
            if (!key.contains("CrossAttentionBlock") || !key.endsWith(".weight") || shape.length != 2) return;
            String layer = "unet." + key.substring(0, key.length() - ".weight".length());
            t.put(layer + ".down.weight", DetInit.tensor("down:" + layer, new long[] {8, shape[1]}, 31));
            t.put(layer + ".up.weight", DetInit.tensor("up:" + layer, new long[] {shape[0], 8}, 32));
            t.put(layer + ".alpha", Tensor.ofFloats(new long[0], 8f));
        });
        return t;
    }

    /** Numbers every prompt of the run: no prompt comes back (text-encoder-svc would serve it from its cache), the negative one is shared, as usual. */
    private static final AtomicInteger PROMPTS = new AtomicInteger();

    private static GenerateRequest request(int i, int size, Options o) {
        GenerateRequest.Builder b = GenerateRequest.newBuilder().setPrompt("a lighthouse on a cliff at sunset, variation " + PROMPTS.incrementAndGet()).setNegativePrompt("blurry")
                .setSteps(o.steps()).setGuidanceScale(7.5f).setSolver(o.solver()).setWidth(size).setHeight(size).setSeed(1000 + i);
        if (i % 2 == 1) b.addLoras(LoraWeight.newBuilder().setName("style").setScale(0.8f));
        return b.build();
    }

    /** One configuration's measurements at one (size, N), summed over its blocks. */
    private static final class Totals {
        final List<Double> latencies = new ArrayList<>();
        final TreeMap<Double, Double> transportBuckets = new TreeMap<>();
        double queue, transport, wall, batchSum, calls;
        String load = "";
    }

    /**
     * Every configuration's mesh is up (an idle one costs no CPU); at each (size, N) the configurations take turns in
     * blocks of half the generations, in the order A B B A, so that a drift of the machine's speed during the
     * measurement weighs on each alike.
     */
    private static List<Row> measure(Map<String, MeshProcesses> meshes, Options o) throws Exception {
        Map<String, ManagedChannel> channels = new LinkedHashMap<>();
        ExecutorService pool = Executors.newCachedThreadPool();
        List<Row> rows = new ArrayList<>();
        try {
            for (var e : meshes.entrySet()) {
                ManagedChannel channel = ManagedChannelBuilder.forTarget(e.getValue().address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
                channels.put(e.getKey(), channel);
                for (int size : o.sizes()) { // warm-up: sessions, LoRA set, both sizes
                    MeshBench.generate(OrchestratorGrpc.newBlockingStub(channel), request(0, size, o));
                    MeshBench.generate(OrchestratorGrpc.newBlockingStub(channel), request(1, size, o));
                }
                for (int done = 0, i = 0; done < o.warmupSteps(); i++) { // the services' JIT, on the smallest work there is
                    int steps = Math.min(GenerationRequest.MAX_STEPS, o.warmupSteps() - done);
                    MeshBench.generate(OrchestratorGrpc.newBlockingStub(channel), request(i, o.sizes().get(0), o).toBuilder().setSteps(steps).build());
                    done += steps;
                }
                if (o.warmupSteps() > 0) System.out.printf(Locale.ROOT, "[%s] warmed up: %d steps%n", e.getKey(), o.warmupSteps());
            }
            List<String> configs = new ArrayList<>(meshes.keySet());
            List<String> order = new ArrayList<>(configs);
            for (int i = configs.size() - 1; i >= 0; i--) order.add(configs.get(i));
            for (int size : o.sizes()) {
                for (int n : o.concurrency()) {
                    Map<String, Totals> totals = new LinkedHashMap<>();
                    int half = (o.generations() + 1) / 2;
                    for (int b = 0; b < order.size(); b++) {
                        String config = order.get(b);
                        int first = b < configs.size() ? 0 : half;
                        block(meshes.get(config), channels.get(config), pool, o, size, n, first, Math.min(o.generations(), first + half),
                                totals.computeIfAbsent(config, c -> new Totals()));
                    }
                    for (String config : configs) {
                        Totals t = totals.get(config);
                        t.latencies.sort(null);
                        double stepsRun = (double) o.generations() * o.steps();
                        Row row = new Row(config, size, n, o.generations(), o.generations() / t.wall * 60, percentile(t.latencies, 0.5), percentile(t.latencies, 0.95),
                                t.calls > 0 ? t.batchSum / t.calls : 0, 1e3 * t.queue / stepsRun, 1e3 * t.transport / stepsRun,
                                1e3 * Prometheus.quantile(t.transportBuckets, 0.5), t.load);
                        rows.add(row);
                        System.out.printf(Locale.ROOT, "[%s] %dx%d N=%d: %.2f generations/min, p50 %.2f s, p95 %.2f s, mean UNet batch %.2f, per step: queue %.1f ms, transport %.2f ms (median %.2f) (load %s)%n",
                                config, size, size, n, row.perMinute(), row.p50(), row.p95(), row.meanBatch(), row.queueMs(), row.transportMs(), row.transportP50Ms(), row.load());
                    }
                }
            }
        } finally {
            pool.shutdownNow();
            for (ManagedChannel c : channels.values()) c.shutdownNow();
        }
        return rows;
    }

    /** Generations {@code from} to {@code to} (exclusive) on one mesh by N clients, each starting its next as soon as its last ends. */
    private static void block(MeshProcesses mesh, ManagedChannel channel, ExecutorService pool, Options o, int size, int n, int from, int to, Totals t) throws Exception {
        var stub = OrchestratorGrpc.newBlockingStub(channel);
        double[] before = batches(mesh, o.unetReplicas());
        TreeMap<Double, Double> transportBefore = MeshBench.transportBuckets(mesh);
        String loadBefore = loadAverage();
        AtomicInteger next = new AtomicInteger(from);
        List<Future<List<double[]>>> clients = new ArrayList<>();
        long start = System.nanoTime();
        for (int k = 0; k < n; k++) {
            clients.add(pool.submit(() -> {
                List<double[]> measured = new ArrayList<>();
                for (int i = next.getAndIncrement(); i < to; i = next.getAndIncrement()) {
                    long t0 = System.nanoTime();
                    var tm = MeshBench.generate(stub, request(i, size, o)).getTimings();
                    measured.add(new double[] {(System.nanoTime() - t0) / 1e9, tm.getUnetQueueSeconds(),
                            tm.getUnetSeconds() - tm.getUnetComputeSeconds() - tm.getUnetQueueSeconds()});
                }
                return measured;
            }));
        }
        for (Future<List<double[]>> f : clients) {
            for (double[] r : f.get()) {
                t.latencies.add(r[0]);
                t.queue += r[1];
                t.transport += r[2];
            }
        }
        t.wall += (System.nanoTime() - start) / 1e9;
        double[] after = batches(mesh, o.unetReplicas());
        t.batchSum += after[0] - before[0];
        t.calls += after[1] - before[1];
        Prometheus.difference(MeshBench.transportBuckets(mesh), transportBefore).forEach((le, count) -> t.transportBuckets.merge(le, count, Double::sum));
        t.load += (t.load.isEmpty() ? "" : ", ") + loadBefore + " -> " + loadAverage();
    }

    private static double percentile(List<Double> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    /** unet-svc's batch sizes over all replicas: [sum of generations per call, calls]. */
    private static double[] batches(MeshProcesses mesh, int replicas) throws IOException, InterruptedException {
        double[] out = new double[2];
        for (int i = 1; i <= replicas; i++) {
            String text = Prometheus.scrape(mesh.httpUrl(MeshService.UNET, i));
            // a replica that has run no step yet has no batch histogram (unet-svc creates its batcher on first use)
            out[0] += Prometheus.sample(text, "refiners_batch_size_sum{stage=\"unet\"}").orElse(0);
            out[1] += Prometheus.sample(text, "refiners_batch_size_count{stage=\"unet\"}").orElse(0);
        }
        return out;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static void print(List<Row> rows, Options o) {
        System.out.printf(Locale.ROOT, "%n| size | N | config | generations/min | p50 s | p95 s | mean UNet batch | queue ms/step | transport ms/step (mean, median) | load avg |%n");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (Row r : rows)
            System.out.printf(Locale.ROOT, "| %d | %d | %s | %.2f | %.2f | %.2f | %.2f | %.1f | %.2f, %.2f | %s |%n", r.size(), r.n(), r.config(), r.perMinute(), r.p50(), r.p95(),
                    r.meanBatch(), r.queueMs(), r.transportMs(), r.transportP50Ms(), r.load());
        for (Row on : rows) {
            if (!on.config().startsWith("on")) continue;
            for (Row off : rows)
                if (off.config().equals("off" + on.config().substring(2)) && off.size() == on.size() && off.n() == on.n())
                    System.out.printf(Locale.ROOT, "%dx%d N=%d%s: throughput on/off %.2f, p50 latency on/off %.2f%n", on.size(), on.size(), on.n(),
                            on.config().substring(2), on.perMinute() / off.perMinute(), on.p50() / off.p50());
        }
    }
}

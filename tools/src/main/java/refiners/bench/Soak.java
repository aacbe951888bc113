package refiners.bench;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import refiners.launch.MeshProcesses;
import refiners.launch.MeshService;
import refiners.launch.Prometheus;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;

/**
 * A soak run: N generations through the mesh, {@code concurrency} at a time, while every few seconds each service's
 * resident memory, direct (NIO) memory, threads and open file descriptors are sampled. After the warm-up the figures
 * must stay within stated bounds ({@link Bounds}): growth past them is a leak.
 */
public final class Soak {
    static final Pattern DIRECT = Pattern.compile("(?m)^jvm_buffer_memory_used_bytes\\{[^}]*id=\"direct\"[^}]*} (\\S+)( #.*)?$");

    /** One service at one moment. */
    public record Sample(double seconds, int generationsDone, MeshService service, long rssBytes, long directBytes, int threads, int fds) {}

    /** Largest growth accepted between the first sample after the warm-up and the last. */
    public record Bounds(long rssBytes, double rssFraction, long directBytes, int threads, int fds) {
        public static final Bounds DEFAULT = new Bounds(96L << 20, 0.10, 32L << 20, 8, 16);

        long rss(long start) {
            return Math.max(rssBytes, (long) (rssFraction * start));
        }
    }

    public record Report(List<Sample> samples, int generations, int failures, double seconds, int warmup) {
        Sample first(MeshService s) {
            return samples.stream().filter(x -> x.service() == s && x.generationsDone() >= warmup).findFirst().orElseThrow();
        }

        Sample last(MeshService s) {
            List<Sample> own = samples.stream().filter(x -> x.service() == s).toList();
            return own.get(own.size() - 1);
        }

        /** What grew past the bounds after the warm-up (empty: nothing). */
        public List<String> growthPast(Bounds b) {
            List<String> out = new ArrayList<>();
            for (MeshService s : MeshService.values()) {
                Sample a = first(s), z = last(s);
                if (z.rssBytes() - a.rssBytes() > b.rss(a.rssBytes())) out.add(s.module + " RSS " + mib(a.rssBytes()) + " -> " + mib(z.rssBytes()));
                if (z.directBytes() - a.directBytes() > b.directBytes()) out.add(s.module + " direct memory " + mib(a.directBytes()) + " -> " + mib(z.directBytes()));
                if (z.threads() - a.threads() > b.threads()) out.add(s.module + " threads " + a.threads() + " -> " + z.threads());
                if (z.fds() - a.fds() > b.fds()) out.add(s.module + " open files " + a.fds() + " -> " + z.fds());
            }
            return out;
        }

        /** Per service: after the warm-up vs the end. */
        public String table() {
            StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "%d generations (%d failed) in %.0f s; figures after %d warm-up generations -> at the end%n",
                    generations, failures, seconds, warmup));
            t.append(String.format(Locale.ROOT, "%-18s %-22s %-18s %-10s %-10s%n", "service", "RSS MiB", "direct MiB", "threads", "open fds"));
            for (MeshService s : MeshService.values()) {
                Sample a = first(s), z = last(s);
                t.append(String.format(Locale.ROOT, "%-18s %-22s %-18s %-10s %-10s%n", s.module, mib(a.rssBytes()) + " -> " + mib(z.rssBytes()),
                        mib(a.directBytes()) + " -> " + mib(z.directBytes()), a.threads() + " -> " + z.threads(), a.fds() + " -> " + z.fds()));
            }
            return t.toString();
        }

        public String csv() {
            StringBuilder c = new StringBuilder("seconds,generations,service,rss_bytes,direct_bytes,threads,fds\n");
            for (Sample s : samples)
                c.append(String.format(Locale.ROOT, "%.1f,%d,%s,%d,%d,%d,%d%n", s.seconds(), s.generationsDone(), s.service().module, s.rssBytes(), s.directBytes(), s.threads(), s.fds()));
            return c.toString();
        }
    }

    private Soak() {}

    /** Drives {@code generations} small generations ({@code template}, seed varied) through a running mesh. */
    public static Report drive(MeshProcesses mesh, GenerateRequest template, int generations, int concurrency, int warmup, Duration every, PrintStream out)
            throws InterruptedException {
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger(), done = new AtomicInteger(), failed = new AtomicInteger();
        long t0 = System.nanoTime();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        Runnable sample = () -> {
            for (MeshService s : MeshService.values())
                samples.add(sample(mesh, s, (System.nanoTime() - t0) / 1e9, done.get()));
        };
        sampler.scheduleAtFixedRate(sample, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        ManagedChannel channel = ManagedChannelBuilder.forTarget(mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
        ExecutorService drivers = Executors.newFixedThreadPool(concurrency);
        try {
            for (int d = 0; d < concurrency; d++) drivers.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < generations; ) {
                    try {
                        var events = OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES)
                                .generate(template.toBuilder().setSeed(template.getSeed() + i).build());
                        while (events.hasNext()) events.next();
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                        out.println("generation " + i + " failed: " + e);
                    }
                    int n = done.incrementAndGet();
                    if (n % 25 == 0) out.printf(Locale.ROOT, "%d/%d generations, %.0f s%n", n, generations, (System.nanoTime() - t0) / 1e9);
                }
            });
            drivers.shutdown();
            drivers.awaitTermination(7, TimeUnit.DAYS);
        } finally {
            drivers.shutdownNow();
            channel.shutdownNow();
            sampler.shutdownNow();
            sampler.awaitTermination(1, TimeUnit.MINUTES);
        }
        sample.run(); // the end
        return new Report(new ArrayList<>(samples), generations, failed.get(), (System.nanoTime() - t0) / 1e9, warmup);
    }

    static Sample sample(MeshProcesses mesh, MeshService s, double seconds, int done) {
        long pid = mesh.pid(s);
        Path proc = Path.of("/proc", Long.toString(pid));
        long rss = Rss.of(pid).total();
        int threads = (int) statusField(proc.resolve("status"), "Threads:");
        int fds;
        try (Stream<Path> files = Files.list(proc.resolve("fd"))) {
            fds = (int) files.count();
        } catch (IOException e) {
            fds = -1;
        }
        long direct = -1;
        try {
            String metrics = Prometheus.scrape(mesh.httpUrl(s));
            Matcher m = DIRECT.matcher(metrics);
            if (m.find()) direct = (long) Double.parseDouble(m.group(1));
        } catch (IOException | InterruptedException e) {
            // a missing figure stays -1
        }
        return new Sample(seconds, done, s, rss, direct, threads, fds);
    }

    private static long statusField(Path status, String name) {
        try {
            for (String line : Files.readAllLines(status))
                if (line.startsWith(name)) return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
        } catch (IOException | NumberFormatException e) {
            // unknown
        }
        return -1;
    }

    static String mib(long bytes) {
        return bytes < 0 ? "?" : Long.toString(bytes >> 20);
    }

    /** soak [--generations 300] [--concurrency 4] [--size 64] [--steps 3] [--warmup 40] [--every 5] [--csv soak.csv] */
    public static int run(String[] args) throws Exception {
        int generations = 300, concurrency = 4, size = 64, steps = 3, warmup = -1, every = 5;
        String csv = "target/soak.csv";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--generations" -> generations = Integer.parseInt(args[i + 1]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[i + 1]);
                case "--size" -> size = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--every" -> every = Integer.parseInt(args[i + 1]);
                case "--csv" -> csv = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (warmup < 0) warmup = Math.max(concurrency, generations / 5);
        Path root = Path.of(System.getProperty("mesh.root", ".")).toAbsolutePath().normalize();
        GenerateRequest template = GenerateRequest.newBuilder().setPrompt("a lighthouse on a cliff").setSteps(steps).setWidth(size).setHeight(size).setSeed(1).build();
        try (MeshProcesses mesh = MeshProcesses.startLocally(root, MeshProcesses.freePorts(), System.out, java.util.Map.of())) {
            System.out.printf(Locale.ROOT, "soak: %d generations of %dx%d, %d steps, %d at a time; sampling every %d s%n", generations, size, size, steps, concurrency, every);
            Report report = drive(mesh, template, generations, concurrency, warmup, Duration.ofSeconds(every), System.out);
            Files.writeString(Path.of(csv), report.csv());
            System.out.print(report.table());
            List<String> grown = report.growthPast(Bounds.DEFAULT);
            System.out.println(grown.isEmpty() ? "no growth past the bounds " + Bounds.DEFAULT : "GREW PAST THE BOUNDS: " + String.join("; ", grown));
            System.out.println("samples: " + csv);
            return grown.isEmpty() && report.failures() == 0 ? 0 : 1;
        }
    }
}

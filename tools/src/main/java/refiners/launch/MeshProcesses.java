package refiners.launch;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import refiners.conversion.WeightsDirectory;
import refiners.fluxion.DetInit;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ControlnetLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;

/**
 * The mesh as four separate processes on loopback (the packaged quarkus-run.jar of each module), each with its own
 * port, log file and environment. Closing stops them all; a shutdown hook does too if the JVM exits first.
 */
public final class MeshProcesses implements AutoCloseable {
    private final Path root;
    private final Path logDir;
    private final Map<MeshService, Integer> ports = new EnumMap<>(MeshService.class);
    private final Map<String, String> commonEnv = new HashMap<>();
    private final Map<MeshService, Map<String, String>> serviceEnv = new EnumMap<>(MeshService.class);
    private final Map<MeshService, Process> processes = new EnumMap<>(MeshService.class);
    /** Further replicas of a stage (replica 2, 3 ...): their ports, and their processes once started. */
    private final Map<MeshService, List<Integer>> replicaPorts = new EnumMap<>(MeshService.class);
    private final Map<String, Process> replicaProcesses = new HashMap<>();
    /** Replicas of a stage on other loopback addresses (the stage's port), by name (MODULE-NAME): see {@link #replica}. */
    private final Map<String, HostReplica> hostReplicas = new LinkedHashMap<>();
    private final List<String> jvmOptions = jvmOptions();
    private final Thread shutdownHook = new Thread(this::destroyAll, "mesh-processes-shutdown");
    private SSLContext tls;

    /**
     * @param root the repository root (holding the modules' target/quarkus-app)
     * @param ports one port per service; see {@link #freePorts()}
     */
    public MeshProcesses(Path root, Path logDir, Map<MeshService, Integer> ports) {
        this.root = root.toAbsolutePath().normalize();
        this.logDir = logDir;
        for (MeshService s : MeshService.values()) {
            if (!ports.containsKey(s)) throw new IllegalArgumentException("no port for " + s.module);
            serviceEnv.put(s, new HashMap<>());
        }
        usePorts(ports);
        commonEnv.put("REFINERS_HOST", "127.0.0.1");
        commonEnv.put("REFINERS_WEIGHTS", weights());
        for (MeshService s : MeshService.values()) if (s.hostVariable != null) commonEnv.put(s.hostVariable, "127.0.0.1");
    }

    /**
     * The services' JVM options: the Dockerfile's, then REFINERS_MESH_JVM_OPTIONS (space-separated; {service} stands
     * for the module's name, e.g. for a class-data archive per service), to compare others.
     */
    private static List<String> jvmOptions() {
        List<String> options = new ArrayList<>(List.of("-Xmx2g", "-XX:MaxDirectMemorySize=16g"));
        String extra = System.getenv("REFINERS_MESH_JVM_OPTIONS");
        if (extra != null && !extra.isBlank()) options.addAll(List.of(extra.trim().split("\\s+")));
        return options;
    }

    private void usePorts(Map<MeshService, Integer> ports) {
        this.ports.putAll(ports);
        for (MeshService s : MeshService.values()) commonEnv.put(s.portVariable, Integer.toString(ports.get(s)));
    }

    /** The weights the services get: REFINERS_WEIGHTS, or detinit when the user gives none. */
    public static String weights() {
        String w = System.getenv("REFINERS_WEIGHTS");
        return w == null || w.isBlank() ? SD1Weights.DETINIT : w;
    }

    /**
     * The mesh on this machine for a user (run-mesh.sh): says which weights it serves, writes the detinit files once
     * before four processes map them, starts the services and waits until they are ready.
     *
     * @param env further variables for every service (e.g. stand-in inpainting weights, see {@link #detinitStandIns})
     */
    public static MeshProcesses startLocally(Path root, Map<MeshService, Integer> ports, PrintStream out, Map<String, String> env)
            throws IOException, InterruptedException {
        if (weights().equals(SD1Weights.DETINIT)) {
            out.println("No REFINERS_WEIGHTS given: the services use FULL-SIZE DETINIT weights (deterministic stand-ins): images are noise, timings are real.");
            out.println("preparing the detinit weight files (written once under " + DetInit.cacheDirectory() + ", then mapped by every service) ...");
            SD1Models.detinit();
        } else {
            out.println("weights: " + weights());
        }
        MeshProcesses mesh = new MeshProcesses(root, root.resolve("target/mesh-logs"), ports);
        env.forEach(mesh::env);
        out.println("starting text-encoder-svc, unet-svc, vae-svc and orchestrator (logs in target/mesh-logs/) ...");
        long t0 = System.nanoTime();
        try {
            mesh.start(Duration.ofMinutes(15));
        } catch (IOException | InterruptedException | RuntimeException e) {
            mesh.close();
            throw e;
        }
        out.printf(java.util.Locale.ROOT, "all four ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return mesh;
    }

    /**
     * With detinit weights, stand-ins for what a request asks for and the user has not configured: detinit
     * inpainting weights for a mask (REFINERS_INPAINTING_WEIGHTS), and a ControlNet directory holding the detinit
     * ControlNet under every name in {@code controlnets} (REFINERS_CONTROLNET_DIR; hard links to one cached file).
     * Empty otherwise.
     */
    public static Map<String, String> detinitStandIns(Path root, boolean mask, List<String> controlnets, PrintStream out) throws IOException {
        Map<String, String> env = new HashMap<>();
        if (!weights().equals(SD1Weights.DETINIT)) return env;
        if (mask && isUnset("REFINERS_INPAINTING_WEIGHTS")) {
            out.println("--mask: the inpainting UNet is a detinit stand-in too (REFINERS_INPAINTING_WEIGHTS=detinit)");
            env.put("REFINERS_INPAINTING_WEIGHTS", SD1Weights.DETINIT);
        }
        if (!controlnets.isEmpty() && isUnset("REFINERS_CONTROLNET_DIR")) {
            Path dir = Files.createDirectories(root.resolve("target/detinit-controlnets"));
            Path file = ControlnetLibrary.detinitFile();
            for (String name : controlnets) {
                Path link = dir.resolve(name + WeightsDirectory.SUFFIX);
                if (!link.normalize().getParent().equals(dir.normalize())) continue; // not a plain name: the request will say so
                Files.deleteIfExists(link);
                Files.createLink(link, file);
            }
            out.println("--controlnet: detinit stand-in ControlNets " + controlnets + " in " + dir + " (REFINERS_CONTROLNET_DIR)");
            env.put("REFINERS_CONTROLNET_DIR", dir.toString());
        }
        return env;
    }

    private static boolean isUnset(String variable) {
        String v = System.getenv(variable);
        return v == null || v.isBlank();
    }

    /** The default ports (8080 orchestrator, 8081 text encoder, 8082 UNet, 8083 VAE). */
    public static Map<MeshService, Integer> defaultPorts() {
        return Map.of(MeshService.ORCHESTRATOR, 8080, MeshService.TEXT_ENCODER, 8081, MeshService.UNET, 8082, MeshService.VAE, 8083);
    }

    /** Four free loopback ports (outside the ephemeral range, see {@link LoopbackPorts}). */
    public static Map<MeshService, Integer> freePorts() {
        Map<MeshService, Integer> ports = new EnumMap<>(MeshService.class);
        List<Integer> free = LoopbackPorts.free(MeshService.values().length);
        for (MeshService s : MeshService.values()) ports.put(s, free.get(s.ordinal()));
        return ports;
    }

    /** The services serve HTTPS only (the "tls" profile): readiness is checked over TLS trusting {@code context}. */
    public MeshProcesses tls(SSLContext context) {
        tls = context;
        return this;
    }

    /** An environment variable for every process (e.g. REFINERS_WEIGHTS). */
    public MeshProcesses env(String name, String value) {
        commonEnv.put(name, value);
        return this;
    }

    /** An environment variable for one process (e.g. a tiny REFINERS_QUEUE_LIMIT for the orchestrator). */
    public MeshProcesses env(MeshService service, String name, String value) {
        serviceEnv.get(service).put(name, value);
        return this;
    }

    /**
     * Runs {@code count} replicas of a stage (each on a free port of its own); the orchestrator then balances over
     * them, found through the static name resolver (REFINERS_NAME_RESOLVER=static and the stage's host list).
     */
    public MeshProcesses replicas(MeshService s, int count) {
        if (s == MeshService.ORCHESTRATOR || count < 1) throw new IllegalArgumentException(count + " replicas of " + s.module);
        replicaPorts.put(s, new ArrayList<>(LoopbackPorts.free(count - 1, ports.values())));
        pointOrchestratorAtReplicas(s);
        return this;
    }

    private void pointOrchestratorAtReplicas(MeshService s) {
        List<Integer> extra = replicaPorts.get(s);
        List<String> hosts = new ArrayList<>(List.of("127.0.0.1:" + ports.get(s)));
        for (int p : extra) hosts.add("127.0.0.1:" + p);
        env(MeshService.ORCHESTRATOR, "REFINERS_NAME_RESOLVER", "static");
        env(MeshService.ORCHESTRATOR, s.hostVariable, String.join(",", hosts));
    }

    private record HostReplica(MeshService service, String host, Map<String, String> env) {}

    /**
     * Runs another process of a stage, a replica listening on {@code host} (another loopback address, e.g. 127.0.0.2)
     * and the stage's port, with extra environment: started and awaited with the others by {@link #start}. Its log is
     * MODULE-NAME.log. (Replicas on other ports: {@link #replicas}.)
     */
    public MeshProcesses replica(MeshService s, String name, String host, Map<String, String> env) {
        hostReplicas.put(s.module + "-" + name, new HostReplica(s, host, Map.copyOf(env)));
        return this;
    }

    /** The process id of the running replica {@code name} given to {@link #replica}. */
    public long pid(MeshService s, String name) {
        Process p = replicaProcesses.get(s.module + "-" + name);
        if (p == null) throw new IllegalStateException(s.module + " " + name + " is not running");
        return p.pid();
    }

    /** The HTTP address of replica {@code index} (1: the first, as {@link #httpUrl}) of a stage. */
    public String httpUrl(MeshService s, int index) {
        return url("127.0.0.1", index == 1 ? ports.get(s) : replicaPorts.get(s).get(index - 2));
    }

    /** The HTTP(S) address of a process listening on {@code host}:{@code port}. */
    private String url(String host, int port) {
        return (tls == null ? "http" : "https") + "://" + host + ":" + port;
    }

    public Path jar(MeshService s) {
        return root.resolve(s.module).resolve("target/quarkus-app/quarkus-run.jar");
    }

    public Path log(MeshService s) {
        return logDir.resolve(s.module + ".log");
    }

    /**
     * Starts every process that is not running and waits until all are ready (weights loaded). A first start whose
     * port another program took in the meantime is made again on another free port (up to three times): only that
     * process and the orchestrator (which was told the old port) start again, the others go on loading.
     */
    public MeshProcesses start(Duration readyWithin) throws IOException, InterruptedException {
        boolean first = processes.isEmpty() && replicaProcesses.isEmpty();
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(readyWithin);
            } catch (PortTaken e) {
                if (!first || attempt == 3) throw e;
                movePort(e.process);
            }
        }
    }

    /** A service could not bind its port: someone else holds it. */
    private static final class PortTaken extends IllegalStateException {
        final String process;

        PortTaken(String process, String message) {
            super(message);
            this.process = process;
        }
    }

    /** Gives the process that could not bind its port another one; the orchestrator starts again to learn it. */
    private void movePort(String process) throws InterruptedException {
        List<Integer> promised = new ArrayList<>(ports.values());
        replicaPorts.values().forEach(promised::addAll);
        int port = LoopbackPorts.free(1, promised).get(0);
        for (MeshService s : MeshService.values())
            if (s.module.equals(process)) {
                processes.remove(s);
                ports.put(s, port);
                commonEnv.put(s.portVariable, Integer.toString(port)); // only the orchestrator reads another stage's port
            }
        for (var r : replicaPorts.entrySet())
            for (int i = 0; i < r.getValue().size(); i++)
                if (replicaName(r.getKey(), i + 2).equals(process)) {
                    replicaProcesses.remove(process);
                    r.getValue().set(i, port);
                }
        replicaPorts.keySet().forEach(this::pointOrchestratorAtReplicas);
        stop(MeshService.ORCHESTRATOR);
    }

    private MeshProcesses startOnce(Duration readyWithin) throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        for (MeshService s : MeshService.values()) {
            if (processes.containsKey(s) && processes.get(s).isAlive()) continue;
            processes.put(s, launch(s, serviceEnv.get(s), log(s)));
        }
        for (var e : replicaPorts.entrySet()) {
            for (int i = 0; i < e.getValue().size(); i++) {
                String name = replicaName(e.getKey(), i + 2);
                if (replicaProcesses.containsKey(name) && replicaProcesses.get(name).isAlive()) continue;
                Map<String, String> env = new HashMap<>(serviceEnv.get(e.getKey()));
                env.put(e.getKey().portVariable, Integer.toString(e.getValue().get(i)));
                replicaProcesses.put(name, launch(e.getKey(), env, logDir.resolve(name + ".log")));
            }
        }
        for (var e : hostReplicas.entrySet()) {
            if (replicaProcesses.containsKey(e.getKey()) && replicaProcesses.get(e.getKey()).isAlive()) continue;
            HostReplica r = e.getValue();
            Map<String, String> env = new HashMap<>(serviceEnv.get(r.service()));
            env.putAll(r.env());
            env.put("REFINERS_HOST", r.host());
            replicaProcesses.put(e.getKey(), launch(r.service(), env, logDir.resolve(e.getKey() + ".log")));
        }
        long until = System.nanoTime() + readyWithin.toNanos();
        for (MeshService s : MeshService.values()) awaitReady(s.module, processes.get(s), httpUrl(s), log(s), until);
        for (var e : replicaPorts.entrySet())
            for (int i = 2; i <= e.getValue().size() + 1; i++) {
                String name = replicaName(e.getKey(), i);
                awaitReady(name, replicaProcesses.get(name), httpUrl(e.getKey(), i), logDir.resolve(name + ".log"), until);
            }
        for (var e : hostReplicas.entrySet()) {
            awaitReady(e.getKey(), replicaProcesses.get(e.getKey()), url(e.getValue().host(), ports.get(e.getValue().service())), logDir.resolve(e.getKey() + ".log"), until);
        }
        return this;
    }

    private static String replicaName(MeshService s, int index) {
        return s.module + "-" + index;
    }

    private Process launch(MeshService s, Map<String, String> env, Path log) throws IOException {
        Path jar = jar(s);
        if (!Files.isRegularFile(jar)) throw new IllegalStateException(jar + " is missing: package the modules first (mvn -B package -DskipTests)");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String o : jvmOptions) command.add(o.replace("{service}", s.module));
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().putAll(commonEnv);
        pb.environment().putAll(env);
        return pb.start();
    }

    private void awaitReady(String what, Process p, String url, Path log, long untilNanos) throws InterruptedException {
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        awaitReady(what, (tls == null ? client : client.sslContext(tls)).build(), url, log, untilNanos, () -> {
            if (!p.isAlive()) exited(what, p, log);
            allAlive(); // not only the one awaited: a process that could not bind its port fails the start at once
        });
    }

    /**
     * Polls {@code url}/q/health/ready every 0.2 s until it answers 200; {@code alive} runs before each poll and throws
     * when a process it watches has exited.
     */
    public static void awaitReady(String what, HttpClient http, String url, Path log, long untilNanos, Runnable alive) throws InterruptedException {
        HttpRequest ready = HttpRequest.newBuilder(URI.create(url + "/q/health/ready")).timeout(Duration.ofSeconds(5)).build();
        while (true) {
            alive.run();
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > untilNanos) throw new IllegalStateException(what + " not ready in time; log " + log + ":\n" + tail(log));
            Thread.sleep(200);
        }
    }

    /** Throws if a process of this mesh has exited (the first found). */
    private void allAlive() {
        for (var e : processes.entrySet()) if (!e.getValue().isAlive()) exited(e.getKey().module, e.getValue(), log(e.getKey()));
        for (var e : replicaProcesses.entrySet()) if (!e.getValue().isAlive()) exited(e.getKey(), e.getValue(), logDir.resolve(e.getKey() + ".log"));
    }

    private static void exited(String what, Process p, Path log) {
        String message = what + " exited with code " + p.exitValue() + "; log " + log + ":\n" + tail(log);
        throw message.contains("seems to be in use") ? new PortTaken(what, message) : new IllegalStateException(message);
    }

    /** The process id of a running service. */
    public long pid(MeshService s) {
        Process p = processes.get(s);
        if (p == null) throw new IllegalStateException(s.module + " is not running");
        return p.pid();
    }

    public int port(MeshService s) {
        return ports.get(s);
    }

    public String httpUrl(MeshService s) {
        return url("127.0.0.1", ports.get(s));
    }

    /** host:port for gRPC clients. */
    public String address(MeshService s) {
        return "127.0.0.1:" + ports.get(s);
    }

    /** Stops one process (to test a stage that is down). */
    public void stop(MeshService s) throws InterruptedException {
        stop(processes.remove(s));
    }

    /** Stops replica {@code index} (1: the first, as {@link #stop(MeshService)}) of a stage. */
    public void stop(MeshService s, int index) throws InterruptedException {
        if (index == 1) stop(s);
        else stop(replicaProcesses.remove(replicaName(s, index)));
    }

    private static void stop(Process p) throws InterruptedException {
        if (p == null) return;
        p.destroy();
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(15, TimeUnit.SECONDS);
        }
    }

    /** The last lines of a log file. */
    public static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private synchronized void destroyAll() {
        List<Process> all = new ArrayList<>(processes.values());
        all.addAll(replicaProcesses.values());
        for (Process p : all) p.destroy();
        for (Process p : all) {
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
        processes.clear();
        replicaProcesses.clear();
    }

    @Override
    public void close() {
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }
}

package refiners.launch;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;

/**
 * The mesh that the end-to-end tests without a configuration of their own share (MeshIT, BatchingIT, ImagePromptIT,
 * PublicApiIT, PlaygroundIT, SoakIT, MeshTracingIT, MeshPortsIT), started once for all of them: a mesh start (five processes loading
 * full-size weights) is most of such a test's time. Its configuration is the union of what they need: two unet-svc
 * replicas filled one after the other (refiners_fill) with a LoRA directory (BatchingIT, MeshIT), the detinit
 * inpainting UNet and a ControlNet directory (MeshIT), an IP-Adapter directory and the detinit image encoder
 * (ImagePromptIT) — the files: {@link InProcessPeer} —, an orchestrator running 4 generations at once with a queue of 4 (MeshIT provokes RESOURCE_EXHAUSTED past them; the others run at most 4 at once), traces exported to a
 * receiver in this JVM and JSON logs (MeshTracingIT), a session cache for every graph the tests ask for
 * ({@link InProcessPeer#SESSIONS}), and one of its chosen ports taken by another socket while it
 * starts, so that the start goes through choosing new ports (MeshPortsIT). A test that stops one of its processes
 * leaves it stopped: the next {@link #get()} starts it again. The processes end with this JVM (MeshProcesses' shutdown
 * hook) or at {@link #close()}.
 *
 * <p>Meshes of their own, for a configuration the others must not see: MeshSecurityIT (TLS and API keys), MeshDrainIT
 * (two unet-svc replicas behind one host name, round robin, one drained by SIGTERM).
 */
final class SharedMesh {
    /**
     * The classes on the shared mesh carry {@code @Order(SharedMesh.ORDER)} (or one of the later orders below) and run
     * first (junit-platform.properties orders classes so): the mesh starts once, and is closed before the classes with a
     * mesh of their own start theirs.
     */
    static final int ORDER = 1;
    /**
     * BatchingIT and MeshIT stop processes of the shared mesh, which the next class's {@link #get()} starts again (a
     * unet-svc start is tens of seconds): they run after the other classes, MeshIT last, so that only the replica
     * BatchingIT stops is started again.
     */
    static final int ORDER_STOPPING = ORDER + 1, ORDER_LAST = ORDER + 2;
    /** The unet-svc replicas. */
    static final int UNET_REPLICAS = 2;
    /** Generations the orchestrator runs at once, and those it queues beyond them. */
    static final int MAX_CONCURRENT = 4, QUEUE_LIMIT = 4;
    private static final Duration READY = Duration.ofMinutes(10);
    private static SharedMesh running;

    final MeshProcesses mesh;
    final OtlpReceiver traces;
    /** The VAE port that was taken when the mesh started. */
    final int takenPort;

    private SharedMesh(MeshProcesses mesh, OtlpReceiver traces, int takenPort) {
        this.mesh = mesh;
        this.traces = traces;
        this.takenPort = takenPort;
    }

    /** The shared mesh, every process of it running and ready: started on first use, or again after {@link #close()}. */
    static synchronized SharedMesh get() throws Exception {
        if (running == null) running = start();
        else running.mesh.start(READY); // what a test stopped comes back; a no-op otherwise
        return running;
    }

    /**
     * Stops the shared mesh, for a test about to start a mesh of its own: two meshes side by side would hold two sets of
     * full-size weights in memory.
     */
    static synchronized void close() {
        if (running == null) return;
        running.mesh.close();
        running.traces.close();
        running = null;
    }

    private static SharedMesh start() throws Exception {
        Path root = Path.of(System.getProperty("mesh.root", "..")).toAbsolutePath().normalize();
        Path work = root.resolve("tools/target/shared-mesh");
        InProcessPeer.load(); // first: the detinit weight files, written once before the processes map them
        Map<MeshService, Integer> ports = MeshProcesses.freePorts();
        int taken = ports.get(MeshService.VAE);
        OtlpReceiver traces = new OtlpReceiver();
        MeshProcesses mesh = new MeshProcesses(root, work.resolve("logs"), ports)
                .env("REFINERS_WEIGHTS", SD1Weights.DETINIT)
                .env("REFINERS_LORA_DIR", InProcessPeer.loraDir().toString())
                .env(MeshService.UNET, "REFINERS_INPAINTING_WEIGHTS", SD1Weights.DETINIT)
                .env(MeshService.UNET, "REFINERS_CONTROLNET_DIR", InProcessPeer.controlnetDir().toString())
                .env(MeshService.UNET, "REFINERS_IP_ADAPTER_DIR", InProcessPeer.ipAdapterDir().toString())
                .env(MeshService.TEXT_ENCODER, "REFINERS_IMAGE_ENCODER_WEIGHTS", SD1Weights.DETINIT)
                .env(MeshService.ORCHESTRATOR, "REFINERS_LOAD_BALANCING", "refiners_fill")
                .env(MeshService.ORCHESTRATOR, "REFINERS_MAX_CONCURRENT", Integer.toString(MAX_CONCURRENT))
                .env(MeshService.ORCHESTRATOR, "REFINERS_QUEUE_LIMIT", Integer.toString(QUEUE_LIMIT))
                .replicas(MeshService.UNET, UNET_REPLICAS)
                .env("REFINERS_SESSION_CACHE", Integer.toString(InProcessPeer.SESSIONS))
                .env("REFINERS_LOG_JSON", "true")
                .env("QUARKUS_OTEL_SDK_DISABLED", "false")
                .env("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", traces.endpoint())
                .env("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")
                .env("QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "100ms");
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), taken));
            mesh.start(READY);
        } catch (Exception e) {
            mesh.close();
            traces.close();
            throw e;
        }
        return new SharedMesh(mesh, traces, taken);
    }
}

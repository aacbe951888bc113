package refiners.launch;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;

/**
 * The mesh that the end-to-end tests without a configuration of their own share (BatchingIT, SoakIT, MeshTracingIT,
 * MeshPortsIT), started once for all of them: a mesh start (five processes loading full-size weights) is most of such
 * a test's time. Its configuration is the union of what they need: two unet-svc replicas filled one after the other
 * (refiners_fill) with a LoRA directory (BatchingIT), IP-Adapters and the image encoder (ImagePromptIT), traces exported to a receiver in this JVM and JSON logs
 * (MeshTracingIT), and one of its chosen ports taken by another socket while it starts, so that the start goes through
 * choosing new ports (MeshPortsIT). A test that stops one of its processes leaves it stopped: the next {@link #get()}
 * starts it again. The processes end with this JVM (MeshProcesses' shutdown hook) or at {@link #close()}.
 *
 * <p>Meshes of their own, for a configuration the others must not see: MeshIT (an orchestrator with one worker and a
 * queue of one, to provoke RESOURCE_EXHAUSTED; the inpainting UNet and a ControlNet), MeshSecurityIT (TLS and API
 * keys), MeshDrainIT (two unet-svc replicas behind one host name, round robin, one drained by SIGTERM).
 */
final class SharedMesh {
    /**
     * The classes on the shared mesh carry {@code @Order(SharedMesh.ORDER)} and run first (junit-platform.properties
     * orders classes so): the mesh starts once, and is closed before the classes with a mesh of their own start theirs.
     */
    static final int ORDER = 1;
    private static final Duration READY = Duration.ofMinutes(10);
    private static SharedMesh running;

    final MeshProcesses mesh;
    final OtlpReceiver traces;
    /** Holds {@code style.safetensors} (MeshIT.styleLora). */
    final Path loraDir;
    /** The VAE port that was taken when the mesh started. */
    final int takenPort;
    /** IP-Adapter files (ImagePromptIT.ipAdapterDir); text-encoder-svc serves the detinit image encoder. */
    final Path ipAdapterDir;

    private SharedMesh(MeshProcesses mesh, OtlpReceiver traces, Path loraDir, int takenPort, Path ipAdapterDir) {
        this.mesh = mesh;
        this.traces = traces;
        this.loraDir = loraDir;
        this.takenPort = takenPort;
        this.ipAdapterDir = ipAdapterDir;
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
        Path loraDir = Files.createDirectories(work.resolve("loras"));
        SafeTensorsWriter.write(loraDir.resolve("style.safetensors"), MeshIT.styleLora());
        Path ipAdapterDir = ImagePromptIT.ipAdapterDir(work.resolve("ip-adapters"));
        SD1Models.detinit(); // the weight files, written once before five processes map them
        Map<MeshService, Integer> ports = MeshProcesses.freePorts();
        int taken = ports.get(MeshService.VAE);
        OtlpReceiver traces = new OtlpReceiver();
        MeshProcesses mesh = new MeshProcesses(root, work.resolve("logs"), ports)
                .env("REFINERS_WEIGHTS", SD1Weights.DETINIT)
                .env("REFINERS_LORA_DIR", loraDir.toString())
                .env(MeshService.UNET, "REFINERS_IP_ADAPTER_DIR", ipAdapterDir.toString())
                .env(MeshService.TEXT_ENCODER, "REFINERS_IMAGE_ENCODER_WEIGHTS", SD1Weights.DETINIT)
                .env(MeshService.ORCHESTRATOR, "REFINERS_LOAD_BALANCING", "refiners_fill")
                .replicas(MeshService.UNET, 2)
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
        return new SharedMesh(mesh, traces, loraDir, taken, ipAdapterDir);
    }
}

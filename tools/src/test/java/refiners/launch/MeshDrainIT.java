package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;

/**
 * Graceful drain with two unet-svc replicas behind the orchestrator's round-robin resolver (the production path: one
 * name resolving to both replicas, here 127.0.0.1 and 127.0.0.2 on the same port through a hosts file given to the
 * orchestrator's JVM). SIGTERM on the replica running a generation's stream: its readiness goes down at once, its
 * running step finishes, the orchestrator resumes the generation on the other replica — no restart — and every
 * generation ends with the same pixels as in process.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshDrainIT {
    static final String UNET_NAME = "unet-replicas";

    MeshProcesses mesh;
    ManagedChannel channel;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    void start() throws Exception {
        SharedMesh.close(); // a mesh of its own (see SharedMesh for why)
        Path root = Path.of(System.getProperty("mesh.root", "..")).toAbsolutePath().normalize();
        Path work = Files.createDirectories(root.resolve("tools/target/mesh-drain-it"));
        InProcessPeer.load(); // first: the detinit weight files, written once before the processes map them
        Path hosts = Files.writeString(work.resolve("hosts"), "127.0.0.1 " + UNET_NAME + "\n127.0.0.2 " + UNET_NAME + "\n127.0.0.1 localhost "
                + InetAddress.getLocalHost().getHostName() + "\n");
        mesh = new MeshProcesses(root, work.resolve("logs"), MeshProcesses.freePorts())
                .env("REFINERS_WEIGHTS", SD1Weights.DETINIT)
                .env("REFINERS_LORA_DIR", InProcessPeer.loraDir().toString()) // as the in-process peer's: the same graphs (LoRA slots)
                .env(MeshService.UNET, "REFINERS_SHUTDOWN_DELAY", "3s")
                .env(MeshService.ORCHESTRATOR, "UNET_HOST", UNET_NAME)
                .env(MeshService.ORCHESTRATOR, "REFINERS_LOAD_BALANCING", "round_robin")
                .env(MeshService.ORCHESTRATOR, "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hosts)
                .replica(MeshService.UNET, "b", "127.0.0.2", Map.of()); // started beside the others, not after them
        try {
            mesh.start(Duration.ofMinutes(10));
        } catch (Exception e) {
            mesh.close();
            throw e;
        }
        channel = ManagedChannelBuilder.forTarget(mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    @AfterAll
    void stop() {
        if (channel != null) channel.shutdownNow();
        if (mesh != null) mesh.close();
    }

    static GenerateRequest request(long seed) {
        return GenerateRequest.newBuilder().setPrompt("a harbour at dawn").setSteps(8).setSolver("dpm").setWidth(64).setHeight(64).setSeed(seed).build();
    }

    String unetUrl(String host) {
        return "http://" + host + ":" + mesh.port(MeshService.UNET);
    }

    @Test
    void sigtermOnAReplicaMovesItsGenerationsToTheOtherWithTheSamePixels() throws Exception {
        // both replicas serve (round robin spreads the streams)
        List<GenerateRequest> requests = List.of(request(11), request(12));
        double resumesBefore = metric(mesh.httpUrl(MeshService.ORCHESTRATOR), "refiners_unet_resumes_total");
        List<Iterator<GenerateEvent>> streams = new ArrayList<>();
        for (GenerateRequest r : requests) {
            Iterator<GenerateEvent> events = OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES).generate(r);
            assertEquals(1, events.next().getProgress().getStep());
            streams.add(events);
        }
        // the replica holding a stream now (A at 127.0.0.1, or B at 127.0.0.2) gets SIGTERM while it is stepping
        String draining = metric(unetUrl("127.0.0.1"), "refiners_unet_inflight_streams") > 0 ? "127.0.0.1" : "127.0.0.2";
        String other = draining.equals("127.0.0.1") ? "127.0.0.2" : "127.0.0.1";
        assertTrue(metric(unetUrl(draining), "refiners_unet_inflight_streams") > 0, "a stream on the replica to drain");
        double otherStepsBefore = metric(unetUrl(other), "refiners_unet_steps_total");
        ProcessHandle victim = ProcessHandle.of(draining.equals("127.0.0.1") ? mesh.pid(MeshService.UNET) : mesh.pid(MeshService.UNET, "b")).orElseThrow();
        long t0 = System.nanoTime();
        victim.destroy(); // SIGTERM
        int status = 0;
        while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2) && (status = readiness(unetUrl(draining))) != 503) Thread.sleep(20);
        assertEquals(503, status, "readiness of the draining replica");
        assertTrue(victim.isAlive(), "readiness went down while the replica was still finishing its work");
        assertTrue((System.nanoTime() - t0) / 1e9 < 2, "readiness down at once");

        // every generation finishes, on the other replica for what remained, with the in-process pixels
        List<CompletableFuture<Result>> results = new ArrayList<>();
        for (Iterator<GenerateEvent> events : streams) results.add(CompletableFuture.supplyAsync(() -> {
            Result result = null;
            while (events.hasNext()) {
                GenerateEvent e = events.next();
                if (e.hasResult()) result = e.getResult();
            }
            return result;
        }));
        for (int i = 0; i < requests.size(); i++) {
            Result r = results.get(i).get(5, TimeUnit.MINUTES);
            assertNotNull(r, "generation " + i + " ended without a result");
            assertArrayEquals(InProcessPeer.pixels(requests.get(i)), MeshIT.pixels(r.getPng().toByteArray()), "generation " + i + ": resumed pixels differ from in process");
        }
        assertTrue(victim.onExit().get(1, TimeUnit.MINUTES) != null && !victim.isAlive(), "the drained replica stopped");
        assertTrue(metric(mesh.httpUrl(MeshService.ORCHESTRATOR), "refiners_unet_resumes_total") > resumesBefore, "no generation was resumed: "
                + Files.readAllLines(mesh.log(MeshService.ORCHESTRATOR)).stream().filter(l -> l.contains("resuming")).count() + " resumes logged");
        assertTrue(metric(unetUrl(other), "refiners_unet_steps_total") > otherStepsBefore, "the other replica took the steps over");
        String log = Files.readString(draining.equals("127.0.0.1") ? mesh.log(MeshService.UNET) : mesh.log(MeshService.UNET).resolveSibling("unet-svc-b.log"));
        assertFalse(log.contains("SIGSEGV") || log.contains(" ERROR "), "the drained replica's log shows an error:\n" + MeshProcesses.tail(mesh.log(MeshService.UNET)));
    }

    int readiness(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    double metric(String url, String sample) {
        return Metrics.value(Metrics.scrape(url), sample);
    }
}

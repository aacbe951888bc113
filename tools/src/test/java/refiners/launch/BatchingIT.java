package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;

/**
 * Continuous batching end to end, on the shared mesh (SharedMesh): the four services as processes, with two unet-svc
 * replicas that the orchestrator fills one after the other (refiners_fill), so concurrent generations share UNet
 * calls. Each generation's pixels are those it gets alone in this JVM, whatever its batch mates (other prompts, LoRAs,
 * steps, solvers), whether a batch mate is cancelled or runs out of time, and when the replica computing the batch
 * goes away mid-generation (one of those generations has an image prompt: its resume is tested here, where stopping a
 * replica costs no extra restart of the shared mesh).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(SharedMesh.ORDER_STOPPING)
class BatchingIT {
    MeshProcesses mesh;
    ManagedChannel channel;
    /** One thread per generation (the common pool may have a single thread on a small machine). */
    final ExecutorService callers = Executors.newCachedThreadPool();

    @BeforeAll
    void startMesh() throws Exception {
        mesh = SharedMesh.get().mesh;
        channel = ManagedChannelBuilder.forTarget(mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    @AfterAll
    void stopMesh() {
        callers.shutdownNow();
        if (channel != null) channel.shutdownNow();
    }

    static GenerateRequest.Builder request(int i, int steps, String solver) {
        return GenerateRequest.newBuilder().setPrompt("a lighthouse, variation " + i).setNegativePrompt(i % 2 == 0 ? "blurry" : "")
                .setSteps(steps).setGuidanceScale(5f + i).setSolver(solver).setWidth(64).setHeight(64).setSeed(100 + i);
    }

    static LoraWeight style(float scale) {
        return LoraWeight.newBuilder().setName("style").setScale(scale).build();
    }

    OrchestratorGrpc.OrchestratorBlockingStub orchestrator() {
        return OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
    }

    static Result result(Iterator<GenerateEvent> events) {
        Result result = null;
        while (events.hasNext()) {
            GenerateEvent e = events.next();
            if (e.hasResult()) result = e.getResult();
        }
        assertNotNull(result, "no result");
        return result;
    }

    int[] alone(GenerateRequest r) {
        return InProcessPeer.pixels(r);
    }

    /** Runs the requests at once, each on its own thread. */
    List<CompletableFuture<Result>> concurrently(List<GenerateRequest> requests) {
        List<CompletableFuture<Result>> out = new ArrayList<>();
        for (GenerateRequest r : requests) out.add(CompletableFuture.supplyAsync(() -> result(orchestrator().generate(r)), callers));
        return out;
    }

    @Test
    @Order(1)
    void concurrentGenerationsShareUNetCallsAndGiveTheirPixelsAlone() throws Exception {
        List<GenerateRequest> requests = List.of(request(0, 3, "dpm").build(), request(1, 4, "ddim").addLoras(style(0.8f)).build(),
                request(2, 5, "euler").addLoras(style(1.5f)).build(), request(3, 3, "dpm").build());
        double[] callsBefore = new double[3], stepsBefore = new double[3];
        for (int r = 1; r <= 2; r++) {
            callsBefore[r] = metric(mesh.httpUrl(MeshService.UNET, r), "refiners_batch_size_count{stage=\"unet\"}");
            stepsBefore[r] = metric(mesh.httpUrl(MeshService.UNET, r), "refiners_unet_steps_total");
        }
        List<CompletableFuture<Result>> results = concurrently(requests);
        for (int i = 0; i < requests.size(); i++)
            assertArrayEquals(alone(requests.get(i)), MeshIT.pixels(results.get(i).get(10, TimeUnit.MINUTES).getPng().toByteArray()), "generation " + i + " differs from alone");
        int busiest = metric(mesh.httpUrl(MeshService.UNET, 1), "refiners_unet_steps_total") - stepsBefore[1] > 0 ? 1 : 2;
        String unet = mesh.httpUrl(MeshService.UNET, busiest);
        double calls = metric(unet, "refiners_batch_size_count{stage=\"unet\"}") - callsBefore[busiest], steps = metric(unet, "refiners_unet_steps_total") - stepsBefore[busiest];
        assertEquals(15, steps, "refiners_fill sends every generation to one replica while it has room");
        assertTrue(calls < steps, steps + " steps in " + calls + " UNet calls: never batched");
        assertTrue(metric(unet, "refiners_batch_size_max{stage=\"unet\"}") >= 2);
        assertTrue(metric(unet, "refiners_batch_queue_seconds_count{stage=\"unet\"}") >= steps);
        assertTrue(metric(unet, "refiners_unet_samples_total") >= 2 * steps);
        assertTrue(metric(unet, "refiners_unet_samples_per_second") > 0 && metric(unet, "refiners_unet_steps_per_second") > 0);
        assertTrue(metric(unet, "refiners_unet_batch_fill") > 0);
    }

    @Test
    @Order(2)
    void aCancelledOrExpiredBatchMateLeavesTheOthersUndisturbed() throws Exception {
        GenerateRequest cancelled = request(4, 150, "ddim").build(), expired = request(5, 150, "euler").addLoras(style(1f)).build();
        List<GenerateRequest> kept = List.of(request(6, 4, "dpm").addLoras(style(0.5f)).build(), request(7, 4, "ddim").build());
        Context.CancellableContext context = Context.current().withCancellation();
        Iterator<GenerateEvent> cancelledEvents = context.call(() -> orchestrator().generate(cancelled));
        // a deadline of a few seconds: it runs out while the kept generations step (or just after), not after the test
        // has waited out a long run of its 150 steps alone
        CompletableFuture<Result> expiring = CompletableFuture.supplyAsync(
                () -> result(OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(4, TimeUnit.SECONDS).generate(expired)), callers);
        List<CompletableFuture<Result>> results = concurrently(kept);
        assertEquals(1, cancelledEvents.next().getProgress().getStep());
        context.cancel(null); // mid-batch: its batch mates go on
        for (int i = 0; i < kept.size(); i++)
            assertArrayEquals(alone(kept.get(i)), MeshIT.pixels(results.get(i).get(10, TimeUnit.MINUTES).getPng().toByteArray()), "kept generation " + i);
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> expiring.get(10, TimeUnit.MINUTES));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, ((StatusRuntimeException) e.getCause()).getStatus().getCode());
        for (int r = 1; r <= 2; r++) awaitMetric(mesh.httpUrl(MeshService.UNET, r), "refiners_unet_inflight_streams", 0);
        awaitMetric(mesh.httpUrl(MeshService.ORCHESTRATOR), "refiners_generations_inflight", 0);
    }

    @Test
    @Order(3)
    void generationsOfAReplicaLostMidBatchResumeOnTheOtherWithTheirPixels() throws Exception {
        // enough steps that none of them ends while the replica drains its last call
        // lcm with guidance off: its re-noising noise comes from the seed, whichever replica runs the step
        // an image prompt (IP-Adapter Plus): the Start the other replica gets carries its image features and scales
        List<GenerateRequest> requests = List.of(request(10, 12, "euler").addImagePrompts(ImagePromptIT.prompt(1, 0.8)).setIpAdapter("plus").setIpAdapterScale(1.1).build(),
                request(8, 12, "dpm").build(), request(9, 12, "ddim").addLoras(style(0.8f)).build(), request(11, 12, "lcm").setGuidanceScale(1).build());
        double resumesBefore = metric(mesh.httpUrl(MeshService.ORCHESTRATOR), "refiners_unet_resumes_total");
        CountDownLatch started = new CountDownLatch(requests.size());
        List<CompletableFuture<Result>> results = new ArrayList<>();
        for (GenerateRequest r : requests) {
            long before = started.getCount();
            results.add(CompletableFuture.supplyAsync(() -> {
                Iterator<GenerateEvent> events;
                try {
                    events = orchestrator().generate(r);
                    assertTrue(events.next().hasProgress());
                } finally {
                    started.countDown(); // a failure shows in its result
                }
                return result(events);
            }, callers));
            // the image prompt's encoding (seconds) first: the others would otherwise be near their end when it starts
            if (r.getImagePromptsCount() > 0) while (started.getCount() == before) Thread.sleep(50);
        }
        assertTrue(started.await(10, TimeUnit.MINUTES), "every generation ran its first step");
        int holding = metric(mesh.httpUrl(MeshService.UNET, 1), "refiners_unet_inflight_streams") == requests.size() ? 1 : 2;
        assertEquals(requests.size(), metric(mesh.httpUrl(MeshService.UNET, holding), "refiners_unet_inflight_streams"), "all four on one replica");
        mesh.stop(MeshService.UNET, holding); // the replica all four were batched on
        for (int i = 0; i < requests.size(); i++)
            assertArrayEquals(alone(requests.get(i)), MeshIT.pixels(results.get(i).get(10, TimeUnit.MINUTES).getPng().toByteArray()), "resumed generation " + i);
        assertTrue(metric(mesh.httpUrl(MeshService.ORCHESTRATOR), "refiners_unet_resumes_total") >= resumesBefore + requests.size(), "every generation resumed");
        assertTrue(metric(mesh.httpUrl(MeshService.UNET, 3 - holding), "refiners_batch_size_max{stage=\"unet\"}") >= 2, "the resumed generations were batched again");
    }

    static double metric(String url, String sample) {
        return Metrics.value(Metrics.scrape(url), sample);
    }

    static void awaitMetric(String url, String sample, double expected) throws InterruptedException {
        Metrics.await(url, sample, expected);
    }
}

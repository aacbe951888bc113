package refiners.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Continuous batching: who shares a call, who waits for whom, and what one member's end or failure does to the others. */
class BatcherTest {
    final ExecutorService pool = Executors.newCachedThreadPool();
    /** The calls made, as the inputs of each. */
    final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
    /** Held by a test to keep the model busy. */
    volatile CountDownLatch gate = new CountDownLatch(0);

    /** ModelWork's contract without its bulkhead: one worker thread at a time is enough here. */
    final ModelWork work = new ModelWork() {
        final ExecutorService worker = Executors.newSingleThreadExecutor();

        @Override
        public <T> Uni<T> run(Supplier<T> task) {
            return Uni.createFrom().item(task).runSubscriptionOn(worker);
        }
    };

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    Batcher<String, String> batcher(int maxBatch, Duration wait, Duration regroup, int queueLimit) {
        Function<List<String>, List<String>> model = inputs -> {
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            calls.add(inputs);
            if (inputs.contains("bad")) throw new IllegalArgumentException("bad input");
            return inputs.stream().map(String::toUpperCase).toList();
        };
        return new Batcher<>("test", work, new Batcher.Settings(maxBatch, wait, regroup, queueLimit), new SimpleMeterRegistry(), model);
    }

    static CompletableFuture<Batcher.Batched<String>> submit(Batcher<String, String> b, Object key, Object member, String input) {
        return b.submit(key, member, input).subscribeAsCompletionStage();
    }

    @Test
    void aLoneRequestRunsAtOnceAlone() throws Exception {
        var b = batcher(8, Duration.ZERO, Duration.ofSeconds(5), 16);
        long t0 = System.nanoTime();
        var r = submit(b, "k", "stream", "a").get(10, TimeUnit.SECONDS);
        assertEquals("A", r.output());
        assertEquals(1, r.batchSize());
        var again = submit(b, "k", "stream", "b").get(10, TimeUnit.SECONDS); // its own next step: no wait for company
        assertEquals("B", again.output());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4), "a lone stream waited for the regroup window");
    }

    @Test
    void requestsQueuedDuringACallShareTheNextByKeyUpToTheLargestBatch() throws Exception {
        var b = batcher(3, Duration.ZERO, Duration.ZERO, 16);
        gate = new CountDownLatch(1);
        var first = submit(b, "k", null, "first");
        Thread.sleep(200); // the worker holds "first"
        List<CompletableFuture<Batcher.Batched<String>>> queued = new ArrayList<>();
        for (String s : List.of("a1", "b1", "a2", "a3", "a4")) queued.add(submit(b, s.substring(0, 1), null, s));
        gate.countDown();
        first.get(10, TimeUnit.SECONDS);
        for (var f : queued) f.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(List.of("first"), List.of("a1", "a2", "a3"), List.of("b1"), List.of("a4")), calls);
        assertEquals("A2", queued.get(2).get().output());
        assertEquals(3, queued.get(0).get().batchSize());
    }

    @Test
    void theMembersOfACallAreWaitedForUntilTheyComeBackOrLeave() throws Exception {
        var b = batcher(8, Duration.ZERO, Duration.ofSeconds(5), 16);
        gate = new CountDownLatch(1);
        var busy = submit(b, "other", null, "busy");
        Thread.sleep(200);
        var x = submit(b, "k", "x", "x1");
        var y = submit(b, "k", "y", "y1");
        var z = submit(b, "k", "z", "z1");
        gate.countDown();
        busy.get(10, TimeUnit.SECONDS);
        assertEquals(3, x.get(10, TimeUnit.SECONDS).batchSize());
        y.get(10, TimeUnit.SECONDS);
        z.get(10, TimeUnit.SECONDS);
        var x2 = submit(b, "k", "x", "x2");
        Thread.sleep(300);
        assertEquals(2, calls.size(), "x2 waits for y and z, answered with it in the last call");
        var y2 = submit(b, "k", "y", "y2");
        Thread.sleep(200);
        assertEquals(2, calls.size(), "z is still expected");
        b.leave("z"); // its stream ended
        assertEquals(2, x2.get(10, TimeUnit.SECONDS).batchSize());
        assertEquals(List.of("x2", "y2"), calls.get(2));
        y2.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRequestWhoseCallerLeftIsDroppedWithoutDisturbingTheOthers() throws Exception {
        var b = batcher(8, Duration.ZERO, Duration.ZERO, 16);
        gate = new CountDownLatch(1);
        var busy = submit(b, "k", null, "busy");
        Thread.sleep(200);
        var kept = submit(b, "k", null, "kept");
        Cancellable gone = b.submit("k", null, "gone").subscribe().with(r -> {}, t -> {});
        gone.cancel();
        gate.countDown();
        busy.get(10, TimeUnit.SECONDS);
        assertEquals("KEPT", kept.get(10, TimeUnit.SECONDS).output());
        assertEquals(List.of(List.of("busy"), List.of("kept")), calls);
    }

    @Test
    void aFailingMemberFailsAlone() throws Exception {
        var b = batcher(8, Duration.ZERO, Duration.ZERO, 16);
        gate = new CountDownLatch(1);
        var busy = submit(b, "k", null, "busy");
        Thread.sleep(200);
        var good = submit(b, "k", null, "good");
        var bad = submit(b, "k", null, "bad");
        gate.countDown();
        busy.get(10, TimeUnit.SECONDS);
        assertEquals("GOOD", good.get(10, TimeUnit.SECONDS).output());
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class, () -> bad.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalArgumentException, e.toString());
    }

    @Test
    void pastTheQueueLimitRequestsAreRefused() throws Exception {
        var b = batcher(2, Duration.ZERO, Duration.ZERO, 1);
        gate = new CountDownLatch(1);
        var busy = submit(b, "k", null, "busy");
        Thread.sleep(200);
        List<CompletableFuture<Batcher.Batched<String>>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) queued.add(submit(b, "k", null, "q" + i)); // the next call's 2, and 1 more
        var refused = submit(b, "k", null, "over");
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class, () -> refused.get(10, TimeUnit.SECONDS));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, ((StatusRuntimeException) e.getCause()).getStatus().getCode());
        assertTrue(e.getCause().getMessage().contains("test is busy"), e.getCause().getMessage());
        gate.countDown();
        busy.get(10, TimeUnit.SECONDS);
        for (var f : queued) f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aWaitWindowGathersCompany() throws Exception {
        var b = batcher(8, Duration.ofMillis(500), Duration.ZERO, 16);
        var a = submit(b, "k", null, "a");
        Thread.sleep(100);
        var c = submit(b, "k", null, "c");
        assertEquals(2, a.get(10, TimeUnit.SECONDS).batchSize());
        assertEquals(2, c.get(10, TimeUnit.SECONDS).batchSize());
    }
}

package refiners.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BoundedWorkersTest {
    @Test
    void runsOffTheCallerThreadAndQueuesUpToTheLimitThenRejects() throws Exception {
        try (BoundedWorkers workers = new BoundedWorkers("test-svc", 1, 1)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            Uni<String> first = workers.submit(() -> {
                started.countDown();
                release.await();
                return Thread.currentThread().getName();
            });
            var firstResult = first.subscribeAsCompletionStage();
            assertTrue(started.await(5, TimeUnit.SECONDS));
            var second = workers.submit(() -> "queued").subscribeAsCompletionStage();
            assertEquals(1, workers.queueDepth());
            assertEquals(1, workers.running());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> workers.submit(() -> "rejected").await().atMost(Duration.ofSeconds(5)));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().startsWith("test-svc is busy"), e.getStatus().getDescription());
            release.countDown();
            assertTrue(firstResult.toCompletableFuture().get(5, TimeUnit.SECONDS).startsWith("test-svc-worker-"));
            assertEquals("queued", second.toCompletableFuture().get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void cancellingAQueuedTaskRemovesItWithoutRunningIt() throws Exception {
        try (BoundedWorkers workers = new BoundedWorkers("test-svc", 1, 1)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            var first = workers.submit(() -> {
                started.countDown();
                release.await();
                return 1;
            }).subscribeAsCompletionStage();
            assertTrue(started.await(5, TimeUnit.SECONDS));
            AtomicBoolean ran = new AtomicBoolean();
            var queued = workers.submit(() -> ran.getAndSet(true)).subscribe().with(x -> {});
            assertEquals(1, workers.queueDepth());
            queued.cancel();
            assertEquals(0, workers.queueDepth());
            release.countDown();
            first.toCompletableFuture().get(5, TimeUnit.SECONDS);
            workers.call(() -> 0); // the pool drained
            assertTrue(!ran.get(), "a cancelled queued task must not run");
        }
    }

    @Test
    void failuresOfTheWorkReachTheCaller() {
        try (BoundedWorkers workers = new BoundedWorkers("test-svc", 2, 0)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> workers.call(() -> {
                throw new IllegalStateException("boom");
            }));
            assertEquals("boom", e.getMessage());
        }
    }
}

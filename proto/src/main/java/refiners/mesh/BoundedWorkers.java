package refiners.mesh;

import io.grpc.Status;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The worker pool of a service's blocking model work (never the event loop): at most {@code maxConcurrent} tasks run,
 * at most {@code queueLimit} wait, and anything past that fails at once with RESOURCE_EXHAUSTED.
 */
public final class BoundedWorkers implements AutoCloseable {
    /** Within Kubernetes' default termination grace period (30 s). */
    private static final int SHUTDOWN_GRACE_SECONDS = 25;

    private final String name;
    private final int maxConcurrent;
    private final int queueLimit;
    private final ThreadPoolExecutor executor;

    public BoundedWorkers(String name, int maxConcurrent, int queueLimit) {
        if (maxConcurrent < 1) throw new IllegalArgumentException(name + ": max-concurrent must be at least 1, got " + maxConcurrent);
        if (queueLimit < 0) throw new IllegalArgumentException(name + ": queue-limit must be at least 0, got " + queueLimit);
        this.name = name;
        this.maxConcurrent = maxConcurrent;
        this.queueLimit = queueLimit;
        BlockingQueue<Runnable> queue = queueLimit == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queueLimit);
        AtomicInteger n = new AtomicInteger();
        executor = new ThreadPoolExecutor(maxConcurrent, maxConcurrent, 0, TimeUnit.MILLISECONDS, queue, r -> {
            Thread t = new Thread(r, name + "-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.prestartAllCoreThreads();
    }

    /** A pool whose queue depth and running count show on /q/metrics, tagged with the service; {@code what} names the work. */
    public static BoundedWorkers metered(String service, int maxConcurrent, int queueLimit, MeterRegistry registry, String what) {
        BoundedWorkers workers = new BoundedWorkers(service, maxConcurrent, queueLimit);
        Gauge.builder("refiners.queue.depth", workers, BoundedWorkers::queueDepth).tag("service", service)
                .description(what + " waiting for a worker").register(registry);
        Gauge.builder("refiners.work.running", workers, BoundedWorkers::running).tag("service", service)
                .description(what + " running").register(registry);
        return workers;
    }

    /**
     * Runs {@code work} on a worker. Cancelling the Uni before the work starts removes it from the queue; work that
     * has started runs to its end (a model call cannot be interrupted) and its result is dropped.
     */
    public <T> Uni<T> submit(Callable<T> work) {
        return Uni.createFrom().emitter(em -> {
            AtomicReference<Future<?>> task = new AtomicReference<>();
            java.util.concurrent.atomic.AtomicBoolean terminated = new java.util.concurrent.atomic.AtomicBoolean();
            em.onTermination(() -> {
                terminated.set(true);
                Future<?> f = task.get();
                if (f != null && !f.isDone() && f.cancel(false)) executor.purge();
            });
            try {
                task.set(executor.submit(() -> {
                    try {
                        T result = work.call();
                        if (!terminated.get()) em.complete(result);
                    } catch (Throwable t) {
                        if (!terminated.get()) em.fail(t); // else nobody listens any more
                    }
                }));
            } catch (RejectedExecutionException e) {
                em.fail(executor.isShutdown() ? Status.UNAVAILABLE.withDescription(name + " is shutting down").asRuntimeException() : exhausted());
            }
        });
    }

    /** Runs {@code work} on a worker and waits for it (for callers already off the event loop). */
    public <T> T call(Callable<T> work) {
        return submit(work).await().indefinitely();
    }

    private RuntimeException exhausted() {
        return Status.RESOURCE_EXHAUSTED
                .withDescription(name + " is busy: " + maxConcurrent + " running and " + queueLimit + " queued; retry later")
                .asRuntimeException();
    }

    /** Tasks waiting for a worker. */
    public int queueDepth() {
        return executor.getQueue().size();
    }

    /** Tasks running now. */
    public int running() {
        return executor.getActiveCount();
    }

    public String name() { return name; }
    public int maxConcurrent() { return maxConcurrent; }
    public int queueLimit() { return queueLimit; }

    /**
     * Stops taking work and waits, up to {@link #SHUTDOWN_GRACE_SECONDS}, for the model calls in progress: they cannot
     * be interrupted, and a process that exits under a running ONNX Runtime call dies in native code (SIGSEGV) instead
     * of shutting down (seen when MeshIT stops a replica mid-step).
     */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

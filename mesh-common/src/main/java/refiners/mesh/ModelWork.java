package refiners.mesh;

import io.grpc.Status;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.microprofile.faulttolerance.Asynchronous;
import org.eclipse.microprofile.faulttolerance.Bulkhead;

/**
 * Where a service's blocking model work runs: on a worker thread, never the event loop, at most
 * REFINERS_MAX_CONCURRENT at once with REFINERS_QUEUE_LIMIT waiting (SmallRye Fault Tolerance's bulkhead,
 * configured in META-INF/microprofile-config.properties); past that a call fails at once with RESOURCE_EXHAUSTED
 * (see {@link GrpcErrors}). Shutdown waits for the calls in progress: a process that exits under a running ONNX
 * Runtime call dies in native code instead of stopping. The caller's generation id goes along to the worker thread
 * ({@link CarriesLogContext}).
 */
@ApplicationScoped
public class ModelWork {
    /** Within Kubernetes' default termination grace period (30 s). */
    private static final long SHUTDOWN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(25);

    /** Set once this process starts to stop; static, since failures keep arriving after the container is gone. */
    private static volatile boolean exiting;

    private final AtomicInteger running = new AtomicInteger();
    private volatile boolean stopping;

    @Asynchronous
    @Bulkhead(value = 1, waitingTaskQueue = 16)
    @CarriesLogContext
    public <T> Uni<T> run(Supplier<T> work) {
        if (stopping) throw Status.UNAVAILABLE.withDescription("the service is shutting down").asRuntimeException();
        running.incrementAndGet();
        try {
            return Uni.createFrom().item(work.get());
        } finally {
            running.decrementAndGet();
        }
    }

    /** Model calls running now. */
    public int running() {
        return running.get();
    }

    /** Whether this process is stopping (drain or shutdown begun): see {@link GrpcErrors}. */
    static boolean exiting() {
        return exiting;
    }

    /** Whether the service is draining: new work is refused (UNAVAILABLE), running work finishes. */
    public boolean stopping() {
        return stopping;
    }

    /**
     * The start of a shutdown with a delay (REFINERS_SHUTDOWN_DELAY): readiness is already down; new work is refused
     * at once so that open generations move to another replica (the orchestrator resumes them) after their running step.
     */
    void drain(@Observes ShutdownDelayInitiatedEvent event) {
        stopping = true;
        exiting = true;
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stopping = true;
        exiting = true;
        long until = System.nanoTime() + SHUTDOWN_GRACE_NANOS;
        while (running.get() > 0 && System.nanoTime() < until) Thread.sleep(20);
    }
}

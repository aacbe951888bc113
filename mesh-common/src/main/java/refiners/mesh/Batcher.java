package refiners.mesh;

import io.grpc.Status;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Continuous batching of one stage's model calls: requests that arrive while the model is busy wait in a queue; when
 * a worker (ModelWork) frees up it takes the oldest request and every queued request with the same key (up to
 * {@code maxBatch}) and runs them as one call. A request never waits for company it does not need: alone, it runs as
 * soon as the worker is free. Two waits make batches fuller: {@code batchWait} (for any company, after the first request
 * queued; 0 by default) and the regroup, only for the members of the previous call that are expected back (a Denoise
 * stream's next step), for {@code regroup} or a tenth of that call's duration, whichever is longer: a lone generation
 * never waits, a group of generations stays one batch step after step, and a straggler costs its batch mates at most
 * a tenth of a step.
 *
 * <p>A request whose caller went away is dropped from the queue; one running when its caller leaves finishes with its
 * batch (its result is dropped), without disturbing the others. A failing batch is retried member by member, so one
 * member's failure is its alone. Past {@code queueLimit} waiting requests beyond the next call's, new ones get
 * RESOURCE_EXHAUSTED.
 *
 * <p>Metrics (tag stage): refiners_batch_size (requests per call, histogram), refiners_batch_queue_seconds (wait
 * before the call, histogram).
 */
public final class Batcher<I, O> {
    /** maxBatch 1 is the deterministic mode: every request alone. */
    public record Settings(int maxBatch, Duration batchWait, Duration regroup, int queueLimit) {
        public Settings {
            if (maxBatch < 1) throw new IllegalArgumentException("max batch must be at least 1, got " + maxBatch);
            if (queueLimit < 0) throw new IllegalArgumentException("queue limit must be >= 0, got " + queueLimit);
        }

        /** From the shared configuration (REFINERS_MAX_BATCH, _BATCH_WAIT, _BATCH_REGROUP, _QUEUE_LIMIT, _DETERMINISTIC). */
        public static Settings of(MeshConfig c) {
            return new Settings(c.deterministic() ? 1 : c.maxBatch(), c.batchWait(), c.batchRegroup(), c.queueLimit());
        }
    }

    /** A model call: its size, the requests still waiting when it started, how long it took. */
    public record CallStats(int size, int waiting, long computeNanos) {}

    /** A request's output, with the call it was part of. */
    public record Batched<O>(O output, double queueSeconds, double callSeconds, int batchSize) {}

    /** Streams of a call are waited for up to a tenth of that call's duration (or the regroup setting, if longer). */
    private static final long REGROUP_SHARE_OF_CALL = 10;

    private final String stage;
    private final ModelWork work;
    private final Settings settings;
    private final Function<List<I>, List<O>> model;
    private final ArrayDeque<Pending<I, O>> queue = new ArrayDeque<>();
    /** Members answered by the last calls, not yet back, with their key and when they were answered. */
    private final Map<Object, Expected> expected = new HashMap<>();
    private boolean draining;
    private final DistributionSummary sizes;
    private final Timer queueWait;
    private volatile java.util.function.Consumer<CallStats> listener = s -> {};

    /** A member of a finished call: when it was answered, and how long it may keep the next call of its key waiting. */
    private record Expected(Object key, long answeredNanos, long patienceNanos) {}

    private static final class Pending<I, O> {
        final Object key;
        final Object member;
        final I input;
        final UniEmitter<? super Batched<O>> emitter;
        final long enqueuedNanos = System.nanoTime();
        boolean cancelled;

        Pending(Object key, Object member, I input, UniEmitter<? super Batched<O>> emitter) {
            this.key = key;
            this.member = member;
            this.input = input;
            this.emitter = emitter;
        }
    }

    /**
     * @param stage names the stage in metrics and errors (unet, text-encoder, vae-decode ...)
     * @param model runs one call: inputs of one key, in order, to their outputs, in the same order
     */
    public Batcher(String stage, ModelWork work, Settings settings, MeterRegistry registry, Function<List<I>, List<O>> model) {
        this.stage = stage;
        this.work = work;
        this.settings = settings;
        this.model = model;
        this.sizes = DistributionSummary.builder("refiners.batch.size").tag("stage", stage).publishPercentileHistogram()
                .minimumExpectedValue(1.0).maximumExpectedValue((double) Math.max(2, settings.maxBatch()))
                .description("requests per model call").register(registry);
        this.queueWait = Timer.builder("refiners.batch.queue").tag("stage", stage).publishPercentileHistogram()
                .description("wait from arrival to the start of its model call").register(registry);
    }

    /** Called after every model call (for a service's own metrics). */
    public void onCall(java.util.function.Consumer<CallStats> listener) {
        this.listener = listener;
    }

    /**
     * Queues {@code input} for a call with the requests of equal {@code key}; {@code member} (or null) identifies
     * its caller across requests (a stream), so that the worker may wait a moment for it to come back.
     */
    public Uni<Batched<O>> submit(Object key, Object member, I input) {
        return Uni.createFrom().emitter(em -> {
            Pending<I, O> p = new Pending<>(key, member, input, em);
            boolean schedule;
            synchronized (this) {
                if (queue.size() >= settings.queueLimit() + settings.maxBatch()) {
                    em.fail(Status.RESOURCE_EXHAUSTED.withDescription(stage + " is busy: " + queue.size() + " requests are waiting; retry later").asRuntimeException());
                    return;
                }
                queue.add(p);
                if (member != null) expected.remove(member);
                schedule = !draining;
                draining = true;
                notifyAll();
            }
            em.onTermination(() -> {
                synchronized (this) {
                    p.cancelled = true;
                    if (queue.remove(p)) notifyAll();
                }
            });
            if (schedule) schedule();
        });
    }

    /** The member will not come back (its stream ended): no call waits for it. */
    public synchronized void leave(Object member) {
        if (expected.remove(member) != null) notifyAll();
    }

    /** A call on the worker; its answers go out once the worker is released (their formatting delays no other call). */
    private void schedule() {
        // a call serves several generations: its worker's log lines name none (ModelWork carries the caller's)
        GenerationIds.outside(() -> work.run(this::drain)).subscribe().with(Runnable::run, this::failQueue);
    }

    /** The worker could not be had (shutting down, or its own queue full): the waiting requests fail alike. */
    private void failQueue(Throwable t) {
        List<Pending<I, O>> failed;
        synchronized (this) {
            failed = new ArrayList<>(queue);
            queue.clear();
            draining = false;
        }
        for (Pending<I, O> p : failed) p.emitter.fail(t);
    }

    /** One call on the worker: waits for company if asked, takes a batch, runs it, hands on; returns its answers. */
    private Runnable drain() {
        List<Pending<I, O>> batch = new ArrayList<>();
        int waiting;
        synchronized (this) {
            long now0 = System.nanoTime();
            expected.values().removeIf(e -> e.answeredNanos + e.patienceNanos < now0);
            while (true) {
                Pending<I, O> first = queue.peek();
                if (first == null) {
                    draining = false;
                    return () -> {};
                }
                long now = System.nanoTime(), until = first.enqueuedNanos + settings.batchWait().toNanos();
                int sameKey = 0;
                for (Pending<I, O> p : queue) if (p.key.equals(first.key)) sameKey++;
                for (Expected e : expected.values())
                    if (e.key.equals(first.key)) until = Math.max(until, e.answeredNanos + e.patienceNanos);
                if (sameKey >= settings.maxBatch() || now >= until) break;
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, until - now);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            Object key = queue.peek().key;
            for (Iterator<Pending<I, O>> it = queue.iterator(); it.hasNext() && batch.size() < settings.maxBatch(); ) {
                Pending<I, O> p = it.next();
                if (p.key.equals(key)) {
                    batch.add(p);
                    it.remove();
                }
            }
            waiting = queue.size();
        }
        long start = System.nanoTime();
        for (Pending<I, O> p : batch) queueWait.record(start - p.enqueuedNanos, TimeUnit.NANOSECONDS);
        sizes.record(batch.size());
        List<Object> results = run(batch);
        long end = System.nanoTime();
        long patience = Math.max(settings.regroup().toNanos(), (end - start) / REGROUP_SHARE_OF_CALL);
        synchronized (this) {
            for (Pending<I, O> p : batch) if (p.member != null && !p.cancelled) expected.put(p.member, new Expected(p.key, end, patience));
        }
        listener.accept(new CallStats(batch.size(), waiting, end - start));
        boolean more;
        synchronized (this) {
            more = !queue.isEmpty();
            draining = more;
        }
        if (more) schedule();
        return () -> {
            for (int i = 0; i < batch.size(); i++) {
                Pending<I, O> p = batch.get(i);
                Object r = results.get(i);
                if (r instanceof Failure f) p.emitter.fail(f.cause());
                else p.emitter.complete(new Batched<>(cast(r), (start - p.enqueuedNanos) / 1e9, (end - start) / 1e9, batch.size()));
            }
        };
    }

    private record Failure(Throwable cause) {}

    @SuppressWarnings("unchecked")
    private O cast(Object o) {
        return (O) o;
    }

    /** The outputs, or each member's own failure when the call fails (a batch that fails is run again member by member). */
    private List<Object> run(List<Pending<I, O>> batch) {
        try {
            List<O> out = model.apply(batch.stream().map(p -> p.input).toList());
            if (out.size() != batch.size()) throw new IllegalStateException(stage + ": " + out.size() + " outputs for " + batch.size() + " inputs");
            return new ArrayList<>(out);
        } catch (RuntimeException | Error e) {
            List<Object> out = new ArrayList<>();
            if (batch.size() == 1) {
                out.add(new Failure(e));
                return out;
            }
            for (Pending<I, O> p : batch) out.add(run(List.of(p)).get(0));
            return out;
        }
    }
}

package refiners.mesh.unet;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import refiners.mesh.Batcher;
import refiners.mesh.StageTimers;

/**
 * The UNet's figures on /q/metrics: refiners_unet_batch_fill (the HorizontalPodAutoscaler's metric),
 * refiners_unet_steps_total and refiners_unet_samples_total (a step is one generation's pair of samples, or its one
 * sample with guidance off),
 * refiners_unet_steps_per_second and refiners_unet_samples_per_second (over the last {@value #WINDOW_SECONDS} s), the
 * open streams, and the UNet call time refiners_stage_seconds{stage="unet"}; the batcher adds refiners_batch_size and
 * refiners_batch_queue_seconds{stage="unet"}.
 *
 * <p>Batch fill is the demand on the replica over what one call takes: (steps in a call + steps still waiting when it
 * started) / REFINERS_MAX_BATCH, averaged over the calls of the window (0 when idle). Below 1 every step finds room in
 * the next call; above 1 steps wait for more than one call, and latency grows with the excess. Unlike open streams it
 * does not depend on how many generations a replica can batch, and unlike queue wait it does not depend on the image
 * size or the device (a step that misses a running call waits for it even on an idle replica).
 */
@ApplicationScoped
public class UNetMetrics {
    public static final String BATCH_FILL = "refiners.unet.batch.fill";
    static final int WINDOW_SECONDS = 30;

    private final AtomicInteger inflightStreams = new AtomicInteger();
    private final Counter steps;
    private final Counter samples;
    private final Timer callSeconds;
    private final ArrayDeque<long[]> window = new ArrayDeque<>(); // {end nanos, steps, demand}
    private final ArrayDeque<long[]> sampleWindow = new ArrayDeque<>(); // {end nanos, samples}
    private volatile int maxBatch = 1;

    @Inject
    public UNetMetrics(MeterRegistry registry) {
        Gauge.builder("refiners.unet.inflight.streams", inflightStreams, AtomicInteger::get).description("open Denoise streams").register(registry);
        steps = Counter.builder("refiners.unet.steps").description("denoising steps computed (a generation's pair of samples each, one sample with guidance off)").register(registry);
        samples = Counter.builder("refiners.unet.samples").description("UNet samples computed").register(registry);
        callSeconds = StageTimers.register(registry, "unet");
        Gauge.builder("refiners.unet.steps.per.second", this, m -> m.perSecond(m.window)).description("steps per second over the last " + WINDOW_SECONDS + " s").register(registry);
        Gauge.builder("refiners.unet.samples.per.second", this, m -> m.perSecond(m.sampleWindow)).description("samples per second over the last " + WINDOW_SECONDS + " s").register(registry);
        Gauge.builder(BATCH_FILL, this, UNetMetrics::fill).description("steps running or waiting per call over the largest batch, over the last " + WINDOW_SECONDS + " s").register(registry);
    }

    void maxBatch(int maxBatch) {
        this.maxBatch = maxBatch;
    }

    public void streamOpened() {
        inflightStreams.incrementAndGet();
    }

    public void streamClosed() {
        inflightStreams.decrementAndGet();
    }

    public int inflightStreams() {
        return inflightStreams.get();
    }

    /** After each UNet call. */
    public synchronized void called(Batcher.CallStats call) {
        steps.increment(call.size());
        callSeconds.record(call.computeNanos(), TimeUnit.NANOSECONDS);
        window.add(new long[] {System.nanoTime(), call.size(), call.size() + call.waiting()});
    }

    /** The samples of a UNet call (2 per guided step, 1 per step with guidance off). */
    public synchronized void computed(int callSamples) {
        samples.increment(callSamples);
        sampleWindow.add(new long[] {System.nanoTime(), callSamples});
    }

    private synchronized double perSecond(ArrayDeque<long[]> counts) {
        expire();
        long n = 0;
        for (long[] c : counts) n += c[1];
        return n / (double) WINDOW_SECONDS;
    }

    private synchronized double fill() {
        expire();
        if (window.isEmpty()) return 0;
        double sum = 0;
        for (long[] c : window) sum += c[2];
        return sum / window.size() / maxBatch;
    }

    private void expire() {
        long oldest = System.nanoTime() - TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);
        while (!window.isEmpty() && window.peek()[0] < oldest) window.poll();
        while (!sampleWindow.isEmpty() && sampleWindow.peek()[0] < oldest) sampleWindow.poll();
    }
}

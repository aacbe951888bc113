package refiners.mesh.unet;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import refiners.mesh.StageTimers;

/**
 * The UNet's figures on /q/metrics: refiners_unet_inflight_streams (the HorizontalPodAutoscaler's metric),
 * refiners_unet_steps_total, refiners_unet_steps_per_second (smoothed over recent steps) and the step latency
 * histogram refiners_stage_seconds{stage="unet"}.
 */
@ApplicationScoped
public class UNetMetrics {
    public static final String INFLIGHT_STREAMS = "refiners.unet.inflight.streams";

    private final AtomicInteger inflightStreams = new AtomicInteger();
    private final Counter steps;
    private final Timer stepSeconds;
    private volatile double stepsPerSecond;

    @Inject
    public UNetMetrics(MeterRegistry registry) {
        Gauge.builder(INFLIGHT_STREAMS, inflightStreams, AtomicInteger::get).description("open Denoise streams").register(registry);
        steps = Counter.builder("refiners.unet.steps").description("denoising steps computed").register(registry);
        stepSeconds = StageTimers.register(registry, "unet");
        Gauge.builder("refiners.unet.steps.per.second", this, m -> m.stepsPerSecond)
                .description("denoising steps per second of one stream, smoothed").register(registry);
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

    public void stepDone(long nanos) {
        steps.increment();
        stepSeconds.record(nanos, TimeUnit.NANOSECONDS);
        double now = 1e9 / Math.max(1, nanos);
        stepsPerSecond = stepsPerSecond == 0 ? now : 0.7 * stepsPerSecond + 0.3 * now;
    }
}

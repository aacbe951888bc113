package refiners.mesh.orchestrator;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;

/**
 * Per-stage latency of generations as seen from the orchestrator (transport included):
 * refiners_generation_stage_seconds{stage=text-encoder|unet|solver|vae|total}, the step rate of the last generation,
 * the generations in flight, and the transport of each denoising step: the step's time in the generation (latents
 * encoded, sent, noise received and decoded: what the unet stage's seconds add up) minus the UNet call and the wait in
 * unet-svc's queue that unet-svc reports with the noise (refiners_unet_step_transport_seconds; what the network and
 * the services' request handling add to a step; bench-mesh reports the same quantity).
 */
@ApplicationScoped
public class GenerationMetrics {
    private final Map<String, Timer> stages = new LinkedHashMap<>();
    private final AtomicInteger inflight = new AtomicInteger();
    private volatile double stepsPerSecond;
    private final io.micrometer.core.instrument.Counter unetResumes;
    private final Timer stepTransport;

    @Inject
    public GenerationMetrics(MeterRegistry registry) {
        for (String stage : List.of("text-encoder", "unet", "solver", "vae", "total"))
            stages.put(stage, Timer.builder("refiners.generation.stage").tag("stage", stage).publishPercentileHistogram()
                    .description("time per generation spent in each stage").register(registry));
        Gauge.builder("refiners.generations.inflight", inflight, AtomicInteger::get).description("generations running").register(registry);
        Gauge.builder("refiners.generation.steps.per.second", this, m -> m.stepsPerSecond)
                .description("denoising steps per second of the last generation, transport included").register(registry);
        unetResumes = io.micrometer.core.instrument.Counter.builder("refiners.unet.resumes")
                .description("broken UNet streams resumed on a new stream").register(registry);
        stepTransport = Timer.builder("refiners.unet.step.transport").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(1))
                .description("a denoising step's round trip to unet-svc minus its UNet call and queue wait").register(registry);
    }

    /** One step's transport: its round trip minus what unet-svc reported as call and queue time. */
    public void unetStepTransport(long nanos) {
        stepTransport.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    public void unetResumed() {
        unetResumes.increment();
    }

    public void started() {
        inflight.incrementAndGet();
    }

    public void ended() {
        inflight.decrementAndGet();
    }

    public void record(GenerationResult.Timings t, int steps) {
        stage("text-encoder", t.textEncoderSeconds());
        stage("unet", t.unetSeconds());
        stage("solver", t.solverSeconds());
        stage("vae", t.vaeSeconds());
        stage("total", t.totalSeconds());
        if (t.unetSeconds() + t.solverSeconds() > 0) stepsPerSecond = steps / (t.unetSeconds() + t.solverSeconds());
    }

    private void stage(String stage, double seconds) {
        stages.get(stage).record(Duration.ofNanos((long) (seconds * 1e9)));
    }
}

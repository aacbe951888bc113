package refiners.mesh;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The model-time histogram of a stage, refiners_stage_seconds{stage=...}; register it once per stage. */
public final class StageTimers {
    private StageTimers() {}

    public static Timer register(MeterRegistry registry, String stage) {
        return Timer.builder("refiners.stage").tag("stage", stage).publishPercentileHistogram()
                .description("model time per call").register(registry);
    }
}

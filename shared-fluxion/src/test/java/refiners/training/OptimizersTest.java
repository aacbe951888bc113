package refiners.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** SGD, learning-rate schedules and training-time values (AdamW and clipping are checked by the oracle). */
class OptimizersTest {
    @Test
    void sgdWithMomentumAndWeightDecayAsTorch() {
        Parameter p = new Parameter("p", new long[] {2}, new float[] {1f, -2f});
        SGD sgd = new SGD(0.9, 0.1);
        sgd.step(List.of(p), List.of(new float[] {0.5f, 0.5f}), 0.1);
        // d = g + wd * p = (0.6, 0.3); buffer = d; p -= lr * d
        assertArrayEquals(new float[] {0.94f, -2.03f}, p.value(), 1e-6f);
        sgd.step(List.of(p), List.of(new float[] {0.5f, 0.5f}), 0.1);
        // d = (0.5 + 0.094, 0.5 - 0.203) = (0.594, 0.297); buffer = 0.9 * (0.6, 0.3) + d = (1.134, 0.567)
        assertArrayEquals(new float[] {0.94f - 0.1134f, -2.03f - 0.0567f}, p.value(), 1e-6f);
    }

    @Test
    void adamwStateRoundTrips() {
        Parameter p = new Parameter("p", new long[] {3}, new float[] {1, 2, 3});
        AdamW a = new AdamW(0.9, 0.999, 1e-8, 0.01);
        a.step(List.of(p), List.of(new float[] {0.1f, -0.2f, 0.3f}), 1e-2);
        AdamW b = new AdamW(0.9, 0.999, 1e-8, 0.01);
        b.load(a.state());
        Parameter q = new Parameter("p", new long[] {3}, p.value().clone());
        a.step(List.of(p), List.of(new float[] {0.3f, 0.2f, 0.1f}), 1e-2);
        b.step(List.of(q), List.of(new float[] {0.3f, 0.2f, 0.1f}), 1e-2);
        assertArrayEquals(p.value(), q.value(), 0f);
    }

    @Test
    void warmupThenConstantOrCosine() {
        LearningRateSchedule constant = new LearningRateSchedule("ConstantLR", 1.0, 4, 10, 0);
        assertEquals(0.25, constant.at(0), 1e-12);
        assertEquals(1.0, constant.at(3), 1e-12);
        assertEquals(1.0, constant.at(9), 1e-12);
        LearningRateSchedule cosine = new LearningRateSchedule("CosineAnnealingLR", 1.0, 3, 12, 0.1);
        assertEquals(1 / 3.0, cosine.at(0), 1e-12);
        assertEquals(1.0, cosine.at(3), 1e-12);
        assertEquals(0.55, cosine.at(7), 1e-12);
        assertEquals(0.1, cosine.at(11), 1e-12);
    }

    @Test
    void timeValues() {
        assertEquals(40, TimeValue.parse("k", "10:iteration").steps(4, 100));
        assertEquals(300, TimeValue.parse("k", "3:epoch").steps(4, 100));
        assertEquals(7, TimeValue.parse("k", 7L).steps(4, 100));
        var e = assertThrows(IllegalArgumentException.class, () -> TimeValue.parse("training.duration", "10:hours"));
        assertEquals("training.duration: unknown unit 'hours' in \"10:hours\" (step, iteration or epoch)", e.getMessage());
    }
}

package refiners.foundationals.latent_diffusion.solvers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A generation interrupted after any step and resumed on a fresh DPMSolver from its state equals an uninterrupted one. */
class DPMSolverStateTest {
    private static final int STEPS = 12, SIZE = 4 * 8 * 8;

    private static float[][] noises(long seed) {
        Random r = new Random(seed);
        float[][] out = new float[STEPS + 1][SIZE];
        for (float[] a : out) for (int k = 0; k < SIZE; k++) a[k] = (float) r.nextGaussian();
        return out; // out[0] is x, out[1 + step] the predicted noise of step
    }

    private static DPMSolver solver(boolean lastStepFirstOrder) {
        return new DPMSolver(STEPS, 0, null, lastStepFirstOrder);
    }

    private static float[] run(DPMSolver solver, float[] x, float[][] noise, int from, int to) {
        for (int step = from; step < to; step++) x = solver.step(x, noise[1 + step], step);
        return x;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void resumeAfterEveryStep(boolean lastStepFirstOrder) throws Exception {
        float[][] noise = noises(42);
        float[] expected = run(solver(lastStepFirstOrder), noise[0], noise, 0, STEPS);
        for (int k = 0; k < STEPS - 1; k++) {
            DPMSolver first = solver(lastStepFirstOrder);
            float[] x = run(first, noise[0], noise, 0, k + 1);
            DPMSolver.State state = roundTrip(first.state());
            assertEquals(k, state.step());
            DPMSolver second = solver(lastStepFirstOrder);
            second.restore(state);
            assertArrayEquals(expected, run(second, x, noise, k + 1, STEPS), "resumed after step " + k);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void rebuiltSolverResumesToo(boolean lastStepFirstOrder) {
        float[][] noise = noises(7);
        DPMSolver whole = solver(lastStepFirstOrder);
        float[] expected = run(whole, noise[0], noise, 0, STEPS);
        DPMSolver first = new DPMSolver(STEPS + 5, 0, null, lastStepFirstOrder).rebuild(STEPS);
        float[] x = run(first, noise[0], noise, 0, 5);
        DPMSolver second = first.rebuild(STEPS);
        second.restore(first.state());
        assertArrayEquals(expected, run(second, x, noise, 5, STEPS));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5})
    void secondOrderStepWithoutHistoryFails(int step) {
        float[][] noise = noises(3);
        assertThrows(IllegalStateException.class, () -> solver(false).step(noise[0], noise[1 + step], step));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 6})
    void firstInferenceStepIsFirstOrder(int firstStep) {
        float[][] noise = noises(11);
        float[] expected = run(new DPMSolver(STEPS, firstStep, null, false), noise[0], noise, firstStep, STEPS);
        // a stale history (e.g. from an earlier generation) does not matter: the first step ignores older estimates
        DPMSolver reused = new DPMSolver(STEPS, firstStep, null, false);
        double[] stale = new double[SIZE];
        java.util.Arrays.fill(stale, 123.0);
        reused.restore(new DPMSolver.State(firstStep - 1, stale, stale));
        assertArrayEquals(expected, run(reused, noise[0], noise, firstStep, STEPS));
    }

    private static DPMSolver.State roundTrip(DPMSolver.State state) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(state);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (DPMSolver.State) in.readObject();
        }
    }
}

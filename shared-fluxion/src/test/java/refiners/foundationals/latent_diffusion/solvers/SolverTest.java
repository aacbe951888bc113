package refiners.foundationals.latent_diffusion.solvers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import refiners.fluxion.DType;

/** rebuild(), parameter resolution and the API contracts common to all solvers. */
class SolverTest {
    static Stream<Arguments> factories() {
        SolverParams custom = SolverParams.UNSET.withFinalDiffusionRate(1.1e-2).withTimestepsOffset(0);
        return Stream.of(
                Arguments.of("DDIM", (BiFunction<Integer, Integer, Solver>) (n, f) -> new DDIM(n, f, custom)),
                Arguments.of("DPMSolver", (BiFunction<Integer, Integer, Solver>) (n, f) -> new DPMSolver(n, f, custom, true)),
                Arguments.of("Euler", (BiFunction<Integer, Integer, Solver>) (n, f) -> new Euler(n, f, custom)));
    }

    private static float[] random(long seed, int n) {
        Random r = new Random(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) r.nextGaussian();
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("factories")
    void rebuildEqualsFreshSolver(String name, BiFunction<Integer, Integer, Solver> make) {
        Solver original = make.apply(30, 0);
        Solver rebuilt = original.rebuild(12, 4);
        Solver fresh = make.apply(12, 4);
        assertEquals(original.getClass(), rebuilt.getClass());
        assertEquals(fresh.params(), rebuilt.params());
        assertEquals(12, rebuilt.numInferenceSteps());
        assertEquals(4, rebuilt.firstInferenceStep());
        assertArrayEquals(new int[] {4, 5, 6, 7, 8, 9, 10, 11}, rebuilt.inferenceSteps());
        assertArrayEquals(fresh.timesteps().values(), rebuilt.timesteps().values());
        assertEquals(fresh.timesteps().dtype(), rebuilt.timesteps().dtype());
        assertArrayEquals(fresh.cumulativeScaleFactors(), rebuilt.cumulativeScaleFactors());
        assertArrayEquals(fresh.noiseStd(), rebuilt.noiseStd());
        if (rebuilt instanceof DPMSolver dpm) assertTrue(dpm.lastStepFirstOrder());
        float[] x = random(1, 64);
        for (int step : rebuilt.inferenceSteps()) {
            float[] eps = random(100 + step, 64);
            float[] a = rebuilt.step(rebuilt.scaleModelInput(x, step), eps, step);
            float[] b = fresh.step(fresh.scaleModelInput(x, step), eps, step);
            assertArrayEquals(b, a, name + " step " + step);
            x = a;
        }
        // without first step: keeps the solver's own
        assertEquals(4, rebuilt.rebuild(20).firstInferenceStep());
        assertEquals(0, original.rebuild(20).firstInferenceStep());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("factories")
    void removeNoiseInvertsAddNoise(String name, BiFunction<Integer, Integer, Solver> make) {
        Solver solver = make.apply(20, 0);
        double[] x = new double[32], noise = new double[32];
        Random r = new Random(5);
        for (int i = 0; i < 32; i++) { x[i] = r.nextGaussian(); noise[i] = r.nextGaussian(); }
        for (int step : solver.allSteps()) {
            double[] back = solver.removeNoise(solver.addNoise(x, noise, step), noise, step);
            for (int i = 0; i < x.length; i++) assertEquals(x[i], back[i], 1e-9, name + " step " + step);
        }
    }

    @Test
    void batchedAddNoiseUsesOneStepPerChunk() {
        DDIM solver = new DDIM(10);
        float[] x = random(2, 2 * 16), noise = random(3, 2 * 16);
        float[] both = solver.addNoise(x, noise, new int[] {1, 7});
        float[] first = solver.addNoise(java.util.Arrays.copyOfRange(x, 0, 16), java.util.Arrays.copyOfRange(noise, 0, 16), 1);
        float[] second = solver.addNoise(java.util.Arrays.copyOfRange(x, 16, 32), java.util.Arrays.copyOfRange(noise, 16, 32), 7);
        assertArrayEquals(first, java.util.Arrays.copyOfRange(both, 0, 16));
        assertArrayEquals(second, java.util.Arrays.copyOfRange(both, 16, 32));
    }

    @Test
    void defaultsPerSolverClass() {
        assertEquals(TimestepSpacing.LEADING, new DDIM(10).params().timestepsSpacing());
        assertEquals(1, new DDIM(10).params().timestepsOffset());
        assertEquals(TimestepSpacing.CUSTOM, new DPMSolver(10).params().timestepsSpacing());
        assertEquals(TimestepSpacing.LINSPACE, new Euler(10).params().timestepsSpacing());
        assertEquals(DType.I64, new DDIM(10).timesteps().dtype());
        assertEquals(DType.I32, new DPMSolver(10).timesteps().dtype());
        assertEquals(DType.F32, new Euler(10).timesteps().dtype());
        assertEquals(11, new DPMSolver(10).cumulativeScaleFactors().length);
        assertEquals(1000, new Euler(10).cumulativeScaleFactors().length);
    }

    @Test
    void unsupportedParamsFail() {
        SolverParams sample = SolverParams.UNSET.withModelPredictionType(ModelPredictionType.SAMPLE);
        assertThrows(UnsupportedOperationException.class, () -> new DDIM(10, 0, sample));
        assertThrows(UnsupportedOperationException.class, () -> new DPMSolver(10, 0, sample, false));
        assertThrows(UnsupportedOperationException.class, () -> new Euler(10, 0, SolverParams.UNSET.withNoiseSchedule(NoiseSchedule.KARRAS)));
        assertThrows(UnsupportedOperationException.class, () -> new DPMSolver(10, 0, SolverParams.UNSET.withSdeVariance(0.5), false));
        assertThrows(IllegalArgumentException.class, () -> new DDIM(10).step(new float[4], new float[4], 10));
    }

    @Test
    void timestepSpacings() {
        long[] leading = Solver.generateTimesteps(TimestepSpacing.LEADING, 10, 1000, 1).toLongArray();
        assertEquals(901, leading[0]);
        assertEquals(1, leading[9]);
        long[] trailing = Solver.generateTimesteps(TimestepSpacing.TRAILING, 10, 1000, 0).toLongArray();
        assertEquals(999, trailing[0]);
        assertEquals(99, trailing[trailing.length - 1]);
        assertEquals(10, trailing.length);
        long[] rounded = Solver.generateTimesteps(TimestepSpacing.LINSPACE_ROUNDED, 4, 1000, 0).toLongArray();
        assertArrayEquals(new long[] {999, 666, 333, 0}, rounded);
        Timesteps linspace = Solver.generateTimesteps(TimestepSpacing.LINSPACE, 4, 1000, 0);
        assertArrayEquals(new float[] {999f, 666f, 333f, 0f}, linspace.toFloatArray());
        assertThrows(IllegalStateException.class, linspace::toLongArray);
        assertThrows(IllegalArgumentException.class, () -> Solver.generateTimesteps(TimestepSpacing.CUSTOM, 4, 1000, 0));
    }

    @Test
    void eulerAddNoiseUsesTheRoundedTimestep() {
        Euler euler = new Euler(30);
        double[] x = {1.0}, noise = {0.5};
        for (int step : euler.allSteps()) {
            int t = (int) Math.rint(euler.timestep(step));
            double expected = euler.cumulativeScaleFactors()[t] * 1.0 + euler.noiseStd()[t] * 0.5;
            assertEquals(expected, euler.addNoise(x, noise, step)[0], 0.0);
        }
        assertEquals(euler.sigmas()[0], euler.initNoiseSigma(), 0.0);
    }

    @Test
    void dpmTimestepsRecoveredFromSigmasAreTheCustomSpacing() {
        for (int n = 1; n <= 120; n++) {
            long[] dpm = new DPMSolver(n).timesteps().toLongArray();
            // CUSTOM spacing: numpy linspace(0, 999, n + 1) rounded half to even, without the first, highest first
            double[] space = new double[n + 1];
            double stepSize = 999.0 / n;
            for (int i = 0; i <= n; i++) space[i] = i == n ? 999 : i * stepSize;
            for (int i = 0; i < n; i++) assertEquals((long) Math.rint(space[n - i]), dpm[i], "n=" + n + " step " + i);
        }
    }
}

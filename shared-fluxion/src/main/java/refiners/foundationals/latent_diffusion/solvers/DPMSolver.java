package refiners.foundationals.latent_diffusion.solvers;

import java.io.Serializable;
import refiners.fluxion.DType;

/**
 * Multistep DPM-Solver++ of order 2 (arXiv:2211.01095), refiners' default solver.
 *
 * <p>Everything is derived from sigmas: the training sigmas noise_std / alpha_t are taken at the CUSTOM timesteps
 * (numpy linspace over n + 1 points, rounded, first dropped), or rescaled by {@code sigma_schedule}, then sigma_min
 * (the first training sigma) is appended. cumulativeScaleFactors, noiseStd and signalToNoiseRatios are then per
 * inference step (length n + 1, not per training timestep), and addNoise/removeNoise index them by step. The int32
 * timesteps are recovered from the sigmas by log-sigma interpolation.
 *
 * <p>Multistep state: each step estimates the denoised data x0; the second-order update uses the estimates of the
 * current and the previous step. That history is the only mutable state ({@link State}): a generation can stop after
 * any step, ship {@link #state()} with its latents, and continue on a fresh DPMSolver built with the same arguments
 * (num_inference_steps, first_inference_step, params, last_step_first_order) after {@link #restore}. Because of it an
 * instance serves one generation at a time. The first inference step (and, with lastStepFirstOrder, the last) uses
 * the first-order update, which ignores the previous estimate.
 */
public final class DPMSolver extends Solver {
    public static final SolverParams DEFAULT_PARAMS = SolverParams.DEFAULTS.withTimestepsSpacing(TimestepSpacing.CUSTOM);

    private final boolean lastStepFirstOrder;
    private final double[] sigmas;
    private State history = State.EMPTY;

    /**
     * The estimated-data history after step {@code step}: {@code current} is the x0 estimate made at that step,
     * {@code previous} the one made at the step before (null if none). {@link #EMPTY} before any step.
     */
    public record State(int step, double[] previous, double[] current) implements Serializable {
        public static final State EMPTY = new State(-1, null, null);

        public State {
            if (current == null && previous != null) throw new IllegalArgumentException("a previous estimate without a current one");
            if (current != null && previous != null && current.length != previous.length)
                throw new IllegalArgumentException("estimates of " + previous.length + " and " + current.length + " elements");
            previous = previous == null ? null : previous.clone();
            current = current == null ? null : current.clone();
        }

        @Override
        public double[] previous() { return previous == null ? null : previous.clone(); }

        @Override
        public double[] current() { return current == null ? null : current.clone(); }
    }

    public DPMSolver(int numInferenceSteps) {
        this(numInferenceSteps, 0, null, false);
    }

    public DPMSolver(int numInferenceSteps, int firstInferenceStep, SolverParams params, boolean lastStepFirstOrder) {
        super(numInferenceSteps, firstInferenceStep, supported(params), DEFAULT_PARAMS);
        this.lastStepFirstOrder = lastStepFirstOrder;
        double[] trainingSigmas = new double[noiseStd.length];
        for (int t = 0; t < trainingSigmas.length; t++) trainingSigmas[t] = noiseStd[t] / cumulativeScaleFactors[t];
        double[] rescaled = rescaleSigmas(trainingSigmas, this.params.sigmaSchedule());
        sigmas = new double[rescaled.length + 1];
        System.arraycopy(rescaled, 0, sigmas, 0, rescaled.length);
        sigmas[rescaled.length] = trainingSigmas[0]; // sigma_min (diffusers' final_sigmas_type="sigma_min")
        int n = sigmas.length;
        cumulativeScaleFactors = new double[n];
        noiseStd = new double[n];
        signalToNoiseRatios = new double[n];
        for (int i = 0; i < n; i++) {
            cumulativeScaleFactors[i] = 1 / Math.sqrt(sigmas[i] * sigmas[i] + 1);
            noiseStd[i] = sigmas[i] * cumulativeScaleFactors[i];
            signalToNoiseRatios[i] = ArrayMath.safeLog(cumulativeScaleFactors[i]) - ArrayMath.safeLog(noiseStd[i]);
        }
        timesteps = timestepsFromSigmas(trainingSigmas);
    }

    private static SolverParams supported(SolverParams params) {
        if (params == null) return null;
        if (params.modelPredictionType() != null && params.modelPredictionType() != ModelPredictionType.NOISE)
            throw new UnsupportedOperationException("DPMSolver supports model_prediction_type NOISE only");
        if (params.sdeVariance() != 0.0 && params.sdeVariance() != 1.0)
            throw new UnsupportedOperationException("DPMSolver only supports sde_variance 0.0 or 1.0");
        return params;
    }

    /** CUSTOM spacing: numpy linspace over n + 1 points, rounded half to even, the first dropped, highest first. */
    @Override
    protected Timesteps generateTimesteps() {
        if (params.timestepsSpacing() != TimestepSpacing.CUSTOM) return super.generateTimesteps();
        int offset = params.timestepsOffset();
        double[] space = ArrayMath.numpyLinspace(offset, params.numTrainTimesteps() - 1 + offset, numInferenceSteps + 1);
        double[] t = new double[numInferenceSteps];
        for (int i = 0; i < t.length; i++) t[i] = Math.rint(space[numInferenceSteps - i]);
        return new Timesteps(t, DType.I64);
    }

    /** sigma_schedule null: the training sigmas at the timesteps; else (first^(1/rho) .. last^(1/rho))^rho, reversed. */
    private double[] rescaleSigmas(double[] trainingSigmas, NoiseSchedule sigmaSchedule) {
        if (sigmaSchedule == null)
            return ArrayMath.numpyInterp(timesteps.values(), ArrayMath.arange(trainingSigmas.length), trainingSigmas);
        double inverseRho = 1 / sigmaSchedule.power;
        double first = ArrayMath.torchPow(trainingSigmas[0], inverseRho);
        double last = ArrayMath.torchPow(trainingSigmas[trainingSigmas.length - 1], inverseRho);
        double[] linear = ArrayMath.torchLinspace(0, 1, numInferenceSteps);
        double[] rescaled = new double[numInferenceSteps];
        for (int i = 0; i < rescaled.length; i++) rescaled[i] = ArrayMath.torchPow(first + linear[i] * (last - first), sigmaSchedule.power);
        return ArrayMath.flip(rescaled);
    }

    /** Each step's timestep: its log sigma interpolated between the two bracketing training log sigmas, rounded. */
    private Timesteps timestepsFromSigmas(double[] trainingSigmas) {
        int m = trainingSigmas.length;
        double[] logSigmas = new double[m];
        for (int i = 0; i < m; i++) logSigmas[i] = ArrayMath.safeLog(trainingSigmas[i]);
        double[] t = new double[sigmas.length - 1];
        for (int s = 0; s < t.length; s++) {
            double logSigma = ArrayMath.safeLog(sigmas[s]);
            int low = 0; // the last training index whose log sigma is <= logSigma (0 if none), at most m - 2
            for (int i = 0; i < m; i++) if (logSigma - logSigmas[i] >= 0) low = i;
            low = Math.min(low, m - 2);
            int high = low + 1;
            double w = (logSigmas[low] - logSigma) / (logSigmas[low] - logSigmas[high]);
            w = Math.min(Math.max(w, 0), 1);
            t[s] = (int) Math.rint((1 - w) * low + w * high);
        }
        return new Timesteps(t, DType.I32);
    }

    /** With sde_variance > 0 every step, the last included, draws noise (as refiners). */
    @Override
    public boolean isStochastic(int step) {
        return params.sdeVariance() > 0.0;
    }

    /** Indexed by step: the schedule tensors are per inference step here. */
    @Override
    protected int scheduleIndex(int step) {
        return step;
    }

    @Override
    public double[] step(double[] x, double[] predictedNoise, int step) {
        if (params.sdeVariance() > 0.0) throw new IllegalStateException("sde_variance > 0: call step(x, predictedNoise, step, sdeNoise)");
        return step(x, predictedNoise, step, null);
    }

    /**
     * One step; {@code sdeNoise} (standard normal, scaled by sde_variance here, like refiners' randn * variance) is
     * required when sde_variance > 0 and ignored otherwise. Records this step's x0 estimate in the history.
     */
    @Override
    public double[] step(double[] x, double[] predictedNoise, int step, double[] sdeNoise) {
        checkStep(step);
        ArrayMath.checkSameLength(x, predictedNoise, "DPMSolver step");
        double variance = params.sdeVariance();
        double[] noise = null;
        if (variance > 0.0) {
            if (sdeNoise == null) throw new IllegalArgumentException("sde_variance > 0 needs sde noise");
            ArrayMath.checkSameLength(x, sdeNoise, "DPMSolver sde noise");
            noise = new double[x.length];
            for (int k = 0; k < x.length; k++) noise[k] = sdeNoise[k] * variance;
        }
        double scaleFactor = cumulativeScaleFactors[step], noiseRatio = noiseStd[step];
        double[] estimate = new double[x.length];
        for (int k = 0; k < x.length; k++) estimate[k] = (x[k] - noiseRatio * predictedNoise[k]) / scaleFactor;
        double[] previousEstimate = history.current;
        history = new State(step, previousEstimate, estimate);
        if (step == firstInferenceStep || (lastStepFirstOrder && step == numInferenceSteps - 1))
            return firstOrderUpdate(x, estimate, step, noise);
        if (previousEstimate == null || previousEstimate.length != x.length)
            throw new IllegalStateException("second-order step " + step + " needs the previous step's estimate (restore the state first)");
        return secondOrderUpdate(x, estimate, previousEstimate, step, noise);
    }

    /** First-order (DPM-Solver++ 1, i.e. DDIM in lambda) update from the current x0 estimate. */
    private double[] firstOrderUpdate(double[] x, double[] estimate, int step, double[] sdeNoise) {
        double ratioDelta = signalToNoiseRatios[step] - signalToNoiseRatios[step + 1];
        double nextScaleFactor = cumulativeScaleFactors[step + 1];
        double noiseRatio = noiseStd[step + 1] / noiseStd[step];
        double[] out = new double[x.length];
        if (sdeNoise == null) {
            double c = (1.0 - Math.exp(ratioDelta)) * nextScaleFactor;
            for (int k = 0; k < x.length; k++) out[k] = noiseRatio * x[k] + c * estimate[k];
            return out;
        }
        double factor = 1.0 - Math.exp(2.0 * ratioDelta);
        double a = noiseRatio * Math.exp(ratioDelta), c = nextScaleFactor * factor;
        double s = noiseStd[step + 1] * Math.sqrt(Math.max(factor, 0));
        for (int k = 0; k < x.length; k++) out[k] = a * x[k] + c * estimate[k] + s * sdeNoise[k];
        return out;
    }

    /** Second-order multistep update from the current and previous x0 estimates. */
    private double[] secondOrderUpdate(double[] x, double[] current, double[] previous, int step, double[] sdeNoise) {
        double nextRatio = signalToNoiseRatios[step + 1];
        double currentRatio = signalToNoiseRatios[step];
        double previousRatio = signalToNoiseRatios[step - 1];
        double nextScaleFactor = cumulativeScaleFactors[step + 1];
        double noiseRatio = noiseStd[step + 1] / noiseStd[step];
        double r = (currentRatio - previousRatio) / (nextRatio - currentRatio);
        double ratioDelta = currentRatio - nextRatio;
        boolean sde = sdeNoise != null;
        double factor = 1.0 - Math.exp(sde ? 2.0 * ratioDelta : ratioDelta);
        double a = sde ? noiseRatio * Math.exp(ratioDelta) : noiseRatio;
        double c = nextScaleFactor * factor, h = 0.5 * nextScaleFactor * factor;
        double s = sde ? noiseStd[step + 1] * Math.sqrt(Math.max(factor, 0)) : 0;
        double[] out = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            double estimationDelta = (current[k] - previous[k]) / r;
            out[k] = a * x[k] + c * current[k] + h * estimationDelta + (sde ? s * sdeNoise[k] : 0);
        }
        return out;
    }

    /** A copy of the multistep history, to resume this generation elsewhere. */
    public State state() {
        return history;
    }

    /** Replaces the multistep history (e.g. with a {@link #state()} taken on another machine). */
    public void restore(State state) {
        history = state == null ? State.EMPTY : state;
    }

    /** The sigma of each inference step, then sigma_min (length n + 1). */
    public double[] sigmas() {
        return sigmas.clone();
    }

    public boolean lastStepFirstOrder() {
        return lastStepFirstOrder;
    }

    @Override
    public DPMSolver rebuild(int numInferenceSteps, int firstInferenceStep) {
        return new DPMSolver(numInferenceSteps, firstInferenceStep, params, lastStepFirstOrder);
    }

    @Override
    public DPMSolver rebuild(int numInferenceSteps) {
        return rebuild(numInferenceSteps, firstInferenceStep);
    }
}

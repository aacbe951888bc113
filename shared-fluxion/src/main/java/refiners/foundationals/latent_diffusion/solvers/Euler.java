package refiners.foundationals.latent_diffusion.solvers;

/**
 * Euler solver (arXiv:2206.00364). Timesteps are LINSPACE (float32 values, as refiners keeps them); the sigmas
 * noise_std / alpha_t are interpolated at those timesteps and end with 0. Latents live in the sigma parametrisation:
 * initial noise is scaled by the largest sigma and the model input by 1 / sqrt(sigma^2 + 1). Stateless between steps.
 *
 * <p>addNoise/removeNoise: refiners raises here (its float timesteps cannot index the schedule). This port indexes
 * the training schedule by the timestep rounded half to even (see {@link Solver#scheduleIndex}); the oracle has no
 * reference for it.
 */
public final class Euler extends Solver {
    public static final SolverParams DEFAULT_PARAMS = SolverParams.DEFAULTS;

    private final double[] sigmas;

    public Euler(int numInferenceSteps) {
        this(numInferenceSteps, 0, null);
    }

    public Euler(int numInferenceSteps, int firstInferenceStep, SolverParams params) {
        super(numInferenceSteps, firstInferenceStep, supported(params), DEFAULT_PARAMS);
        sigmas = generateSigmas();
    }

    private static SolverParams supported(SolverParams params) {
        if (params == null) return null;
        if (params.noiseSchedule() != null && params.noiseSchedule() != NoiseSchedule.QUADRATIC)
            throw new UnsupportedOperationException("Euler supports the QUADRATIC noise schedule only");
        if (params.sdeVariance() != 0.0) throw new UnsupportedOperationException("Euler does not support sde_variance != 0.0");
        return params;
    }

    private double[] generateSigmas() {
        double[] training = new double[noiseStd.length];
        for (int t = 0; t < training.length; t++) training[t] = noiseStd[t] / cumulativeScaleFactors[t];
        double[] atTimesteps = ArrayMath.numpyInterp(timesteps.values(), ArrayMath.arange(training.length), training);
        double[] out = new double[atTimesteps.length + 1];
        System.arraycopy(atTimesteps, 0, out, 0, atTimesteps.length);
        return out;
    }

    /** The sigma of each step, then 0 (length = timesteps + 1). */
    public double[] sigmas() {
        return sigmas.clone();
    }

    /** The scale of the initial noise: the largest sigma. */
    public double initNoiseSigma() {
        double max = Double.NEGATIVE_INFINITY;
        for (double s : sigmas) max = Math.max(max, s);
        return max;
    }

    /** step -1 (initial latents): x * initNoiseSigma; otherwise x / sqrt(sigma^2 + 1). */
    @Override
    public double[] scaleModelInput(double[] x, int step) {
        double[] out = new double[x.length];
        if (step == -1) {
            double s = initNoiseSigma();
            for (int k = 0; k < x.length; k++) out[k] = x[k] * s;
            return out;
        }
        double sigma = sigmas[step];
        double d = Math.sqrt(sigma * sigma + 1);
        for (int k = 0; k < x.length; k++) out[k] = x[k] / d;
        return out;
    }

    /** NOISE: x + eps (sigma_next - sigma); SAMPLE (the model predicts x0): r x + (1 - r) x0, r = sigma_next / sigma. */
    @Override
    public double[] step(double[] x, double[] predictedNoise, int step) {
        checkStep(step);
        ArrayMath.checkSameLength(x, predictedNoise, "Euler step");
        double[] out = new double[x.length];
        if (params.modelPredictionType() == ModelPredictionType.SAMPLE) {
            double ratio = sigmas[step + 1] / sigmas[step];
            for (int k = 0; k < x.length; k++) out[k] = ratio * x[k] + (1 - ratio) * predictedNoise[k];
            return out;
        }
        double dSigma = sigmas[step + 1] - sigmas[step];
        for (int k = 0; k < x.length; k++) out[k] = x[k] + predictedNoise[k] * dSigma;
        return out;
    }

    @Override
    public Euler rebuild(int numInferenceSteps, int firstInferenceStep) {
        return new Euler(numInferenceSteps, firstInferenceStep, params);
    }

    @Override
    public Euler rebuild(int numInferenceSteps) {
        return rebuild(numInferenceSteps, firstInferenceStep);
    }
}

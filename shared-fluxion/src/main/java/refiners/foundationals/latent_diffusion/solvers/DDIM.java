package refiners.foundationals.latent_diffusion.solvers;

/**
 * Denoising Diffusion Implicit Models solver (arXiv:2010.02502), deterministic (eta = 0). Defaults: LEADING spacing
 * with offset 1. Stateless between steps, so one instance can serve concurrent generations.
 */
public final class DDIM extends Solver {
    public static final SolverParams DEFAULT_PARAMS = SolverParams.DEFAULTS
            .withTimestepsSpacing(TimestepSpacing.LEADING).withTimestepsOffset(1);

    public DDIM(int numInferenceSteps) {
        this(numInferenceSteps, 0, null);
    }

    public DDIM(int numInferenceSteps, int firstInferenceStep, SolverParams params) {
        super(numInferenceSteps, firstInferenceStep, supported(params), DEFAULT_PARAMS);
    }

    private static SolverParams supported(SolverParams params) {
        if (params == null) return null;
        if (params.modelPredictionType() != null && params.modelPredictionType() != ModelPredictionType.NOISE)
            throw new UnsupportedOperationException("DDIM supports model_prediction_type NOISE only");
        if (params.sdeVariance() != 0.0) throw new UnsupportedOperationException("DDIM does not support sde_variance != 0.0");
        return params;
    }

    /**
     * x_prev = alpha_prev * x0 + sqrt(1 - alpha_prev^2) * eps, with x0 = (x - sqrt(1 - alpha_t^2) eps) / alpha_t, where
     * prev is the next step's timestep (the schedule's first entry after the last step, which adds no noise).
     */
    @Override
    public double[] step(double[] x, double[] predictedNoise, int step) {
        checkStep(step);
        ArrayMath.checkSameLength(x, predictedNoise, "DDIM step");
        int timestep = timestepIndex(step);
        int previousTimestep = step < numInferenceSteps - 1 ? timestepIndex(step + 1) : 0;
        double current = cumulativeScaleFactors[timestep];
        double previous = cumulativeScaleFactors[previousTimestep];
        double predictedNoiseFactor = Math.sqrt(1 - current * current);
        // no noise at the last step, to avoid visual artifacts
        double noiseFactor = step == numInferenceSteps - 1 ? 0 : Math.sqrt(1 - previous * previous);
        double[] out = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            double predictedX = (x[k] - predictedNoiseFactor * predictedNoise[k]) / current;
            out[k] = previous * predictedX + noiseFactor * predictedNoise[k];
        }
        return out;
    }

    @Override
    public DDIM rebuild(int numInferenceSteps, int firstInferenceStep) {
        return new DDIM(numInferenceSteps, firstInferenceStep, params);
    }

    @Override
    public DDIM rebuild(int numInferenceSteps) {
        return rebuild(numInferenceSteps, firstInferenceStep);
    }
}

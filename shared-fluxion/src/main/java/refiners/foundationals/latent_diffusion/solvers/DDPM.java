package refiners.foundationals.latent_diffusion.solvers;

/**
 * Denoising Diffusion Probabilistic Models (arXiv:2006.11239), as refiners' {@code DDPM}: the training process's
 * schedule (LEADING spacing, offset 0, so timesteps[step] = 999 - step with 1000 steps) used to noise latents during
 * training with {@link #addNoise}. Like refiners', it cannot run a denoising step.
 */
public final class DDPM extends Solver {
    public static final SolverParams DEFAULT_PARAMS = SolverParams.DEFAULTS.withTimestepsSpacing(TimestepSpacing.LEADING).withTimestepsOffset(0);

    public DDPM(int numInferenceSteps) {
        this(numInferenceSteps, 0, null);
    }

    public DDPM(int numInferenceSteps, int firstInferenceStep, SolverParams params) {
        super(numInferenceSteps, firstInferenceStep, params, DEFAULT_PARAMS);
    }

    /** sqrt(prod alphas) at a step's timestep ("alpha_t"). */
    public double cumulativeScaleFactor(int step) {
        return cumulativeScaleFactors[scheduleIndex(step)];
    }

    /** sqrt(1 - prod alphas) at a step's timestep ("sigma_t"). */
    public double noiseStd(int step) {
        return noiseStd[scheduleIndex(step)];
    }

    @Override
    public double[] step(double[] x, double[] predictedNoise, int step) {
        throw new UnsupportedOperationException("DDPM is only used to noise latents for training: it cannot denoise (use DDIM, DPMSolver or Euler)");
    }

    @Override
    public DDPM rebuild(int numInferenceSteps, int firstInferenceStep) {
        return new DDPM(numInferenceSteps, firstInferenceStep, params);
    }
}

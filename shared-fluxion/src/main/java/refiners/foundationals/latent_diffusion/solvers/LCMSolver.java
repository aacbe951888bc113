package refiners.foundationals.latent_diffusion.solvers;

import refiners.fluxion.DType;

/**
 * Latent Consistency Model solver (arXiv:2310.04378), as refiners' {@code LCMSolver}: each step maps the latents
 * straight to a denoised estimate (the consistency function), then re-noises it to the next step's level with fresh
 * noise. Few steps (2 to 8) with an LCM UNet or an LCM-LoRA, guidance about 1.
 *
 * <p>Timesteps come from an emulated {@link DPMSolver} of {@code numOrigSteps} (50) steps, the schedule the LCMs were
 * distilled on ("skipping steps", section 4.3): LCM step i takes the DPM step floor(i * numOrigSteps / n), so 4 steps
 * are [999, 759, 499, 259] rather than evenly spaced. The re-noising uses that DPM's per-step schedule.
 *
 * <p>The noise of a re-noising step is an argument ({@link #step(double[], double[], int, double[])}): refiners draws
 * it with torch.randn, callers here give it from their seeded generator, so a generation is reproducible wherever its
 * steps run. Stateless between steps.
 */
public final class LCMSolver extends Solver {
    /** refiners' defaults: its spacing is the emulated DPM solver's (TRAILING). */
    public static final SolverParams DEFAULT_PARAMS = SolverParams.DEFAULTS.withTimestepsSpacing(TimestepSpacing.TRAILING);
    public static final int DEFAULT_NUM_ORIG_STEPS = 50;

    private final int numOrigSteps;
    private final DPMSolver dpm;
    private final int[] timestepIndices;

    public LCMSolver(int numInferenceSteps) {
        this(numInferenceSteps, 0, null, DEFAULT_NUM_ORIG_STEPS);
    }

    public LCMSolver(int numInferenceSteps, int firstInferenceStep, SolverParams params, int numOrigSteps) {
        super(numInferenceSteps, firstInferenceStep, supported(params), DEFAULT_PARAMS);
        if (numOrigSteps < numInferenceSteps)
            throw new IllegalArgumentException("num_orig_steps (" + numOrigSteps + ") < num_inference_steps (" + numInferenceSteps + ")");
        this.numOrigSteps = numOrigSteps;
        // Like refiners, the emulated solver takes only the training length and the spacing from these parameters.
        dpm = new DPMSolver(numOrigSteps, 0, SolverParams.UNSET.withNumTrainTimesteps(this.params.numTrainTimesteps())
                .withTimestepsSpacing(this.params.timestepsSpacing()), false);
        double[] positions = ArrayMath.torchLinspace(0, numOrigSteps, numInferenceSteps + 1);
        timestepIndices = new int[numInferenceSteps];
        double[] t = new double[numInferenceSteps];
        for (int i = 0; i < numInferenceSteps; i++) {
            timestepIndices[i] = (int) Math.floor(positions[i]);
            t[i] = dpm.timestep(timestepIndices[i]);
        }
        // Replaces the base class's spacing-generated timesteps (the DPM solver did not exist when they were made).
        timesteps = new Timesteps(t, DType.I32);
    }

    private static SolverParams supported(SolverParams params) {
        if (params == null) return null;
        if (params.modelPredictionType() != null && params.modelPredictionType() != ModelPredictionType.NOISE)
            throw new UnsupportedOperationException("LCMSolver supports model_prediction_type NOISE only");
        if (params.sdeVariance() != 0.0) throw new UnsupportedOperationException("LCMSolver does not support sde_variance != 0.0");
        return params;
    }

    /**
     * The consistency function at {@code step}: c_skip x + c_out x0, with x0 the data estimated from the predicted
     * noise and c_skip, c_out as the original LCM code (sigma_data 0.5, timestep scaled by 10, no sigma in c_out).
     */
    public double[] denoise(double[] x, double[] predictedNoise, int step) {
        checkStep(step);
        ArrayMath.checkSameLength(x, predictedNoise, "LCMSolver step");
        int timestep = timestepIndex(step);
        double a = cumulativeScaleFactors[timestep], s = noiseStd[timestep];
        long scaled = 10L * timestep;
        double squared = (double) (scaled * scaled);
        double cSkip = 0.25 / (squared + 0.25);
        double cOut = scaled / Math.sqrt(0.25 + squared);
        double[] out = new double[x.length];
        for (int k = 0; k < x.length; k++) out[k] = cSkip * x[k] + cOut * ((x[k] - s * predictedNoise[k]) / a);
        return out;
    }

    /** Every step but the last re-noises, so it needs noise. */
    @Override
    public boolean isStochastic(int step) {
        return step < numInferenceSteps - 1;
    }

    /** A step; {@code noise} (standard normal, shaped like x) re-noises every step but the last. */
    @Override
    public double[] step(double[] x, double[] predictedNoise, int step, double[] noise) {
        double[] denoised = denoise(x, predictedNoise, step);
        if (!isStochastic(step)) return denoised;
        if (noise == null) throw new IllegalArgumentException("LCMSolver step " + step + " re-noises: it needs noise");
        return dpm.addNoise(denoised, noise, timestepIndices[step + 1]);
    }

    @Override
    public double[] step(double[] x, double[] predictedNoise, int step) {
        return step(x, predictedNoise, step, null);
    }

    /** For each step, the emulated DPM solver's step it takes its timestep from. */
    public int[] timestepIndices() {
        return timestepIndices.clone();
    }

    /** The emulated DPM solver (its timesteps and per-step schedule). */
    public DPMSolver dpm() {
        return dpm;
    }

    public int numOrigSteps() {
        return numOrigSteps;
    }

    @Override
    public LCMSolver rebuild(int numInferenceSteps, int firstInferenceStep) {
        return new LCMSolver(numInferenceSteps, firstInferenceStep, params, numOrigSteps);
    }
}

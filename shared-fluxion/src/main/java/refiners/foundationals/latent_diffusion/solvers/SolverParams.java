package refiners.foundationals.latent_diffusion.solvers;

/**
 * Parameters common to all solvers, as refiners' {@code SolverParams}. A null field means "use the solver's default"
 * (each solver class has its own defaults, e.g. DDIM spaces timesteps LEADING with offset 1, DPMSolver CUSTOM);
 * {@link #resolve} fills them in. {@code sigmaSchedule} stays null after resolution unless set: DPMSolver then takes its
 * sigmas at the timesteps instead of rescaling them.
 *
 * @param numTrainTimesteps number of timesteps the diffusion process was trained with
 * @param timestepsSpacing how inference timesteps are spaced
 * @param timestepsOffset offset added to the timesteps
 * @param initialDiffusionRate first value of the noise schedule (beta)
 * @param finalDiffusionRate last value of the noise schedule (beta)
 * @param noiseSchedule how the noise schedule is sampled
 * @param sigmaSchedule how DPMSolver rescales its sigmas (null: sigmas at the timesteps)
 * @param modelPredictionType what the model predicts
 * @param sdeVariance variance of the stochastic term (DPMSolver only supports 0 or 1; never "unset", like refiners)
 */
public record SolverParams(
        Integer numTrainTimesteps,
        TimestepSpacing timestepsSpacing,
        Integer timestepsOffset,
        Double initialDiffusionRate,
        Double finalDiffusionRate,
        NoiseSchedule noiseSchedule,
        NoiseSchedule sigmaSchedule,
        ModelPredictionType modelPredictionType,
        double sdeVariance) {

    /** Nothing set: every solver uses its defaults. */
    public static final SolverParams UNSET = new SolverParams(null, null, null, null, null, null, null, null, 0.0);

    /** refiners' base defaults ({@code Solver.default_params}); subclasses replace some of them. */
    public static final SolverParams DEFAULTS = new SolverParams(1000, TimestepSpacing.LINSPACE, 0, 8.5e-4, 1.2e-2,
            NoiseSchedule.QUADRATIC, null, ModelPredictionType.NOISE, 0.0);

    /** These parameters with every unset field taken from {@code defaults}. */
    public SolverParams resolve(SolverParams defaults) {
        return new SolverParams(
                numTrainTimesteps != null ? numTrainTimesteps : defaults.numTrainTimesteps,
                timestepsSpacing != null ? timestepsSpacing : defaults.timestepsSpacing,
                timestepsOffset != null ? timestepsOffset : defaults.timestepsOffset,
                initialDiffusionRate != null ? initialDiffusionRate : defaults.initialDiffusionRate,
                finalDiffusionRate != null ? finalDiffusionRate : defaults.finalDiffusionRate,
                noiseSchedule != null ? noiseSchedule : defaults.noiseSchedule,
                sigmaSchedule != null ? sigmaSchedule : defaults.sigmaSchedule,
                modelPredictionType != null ? modelPredictionType : defaults.modelPredictionType,
                sdeVariance);
    }

    public SolverParams withNumTrainTimesteps(Integer v) { return new SolverParams(v, timestepsSpacing, timestepsOffset, initialDiffusionRate, finalDiffusionRate, noiseSchedule, sigmaSchedule, modelPredictionType, sdeVariance); }
    public SolverParams withTimestepsSpacing(TimestepSpacing v) { return new SolverParams(numTrainTimesteps, v, timestepsOffset, initialDiffusionRate, finalDiffusionRate, noiseSchedule, sigmaSchedule, modelPredictionType, sdeVariance); }
    public SolverParams withTimestepsOffset(Integer v) { return new SolverParams(numTrainTimesteps, timestepsSpacing, v, initialDiffusionRate, finalDiffusionRate, noiseSchedule, sigmaSchedule, modelPredictionType, sdeVariance); }
    public SolverParams withInitialDiffusionRate(Double v) { return new SolverParams(numTrainTimesteps, timestepsSpacing, timestepsOffset, v, finalDiffusionRate, noiseSchedule, sigmaSchedule, modelPredictionType, sdeVariance); }
    public SolverParams withFinalDiffusionRate(Double v) { return new SolverParams(numTrainTimesteps, timestepsSpacing, timestepsOffset, initialDiffusionRate, v, noiseSchedule, sigmaSchedule, modelPredictionType, sdeVariance); }
    public SolverParams withNoiseSchedule(NoiseSchedule v) { return new SolverParams(numTrainTimesteps, timestepsSpacing, timestepsOffset, initialDiffusionRate, finalDiffusionRate, v, sigmaSchedule, modelPredictionType, sdeVariance); }
    public SolverParams withSigmaSchedule(NoiseSchedule v) { return new SolverParams(numTrainTimesteps, timestepsSpacing, timestepsOffset, initialDiffusionRate, finalDiffusionRate, noiseSchedule, v, modelPredictionType, sdeVariance); }
    public SolverParams withModelPredictionType(ModelPredictionType v) { return new SolverParams(numTrainTimesteps, timestepsSpacing, timestepsOffset, initialDiffusionRate, finalDiffusionRate, noiseSchedule, sigmaSchedule, v, sdeVariance); }
    public SolverParams withSdeVariance(double v) { return new SolverParams(numTrainTimesteps, timestepsSpacing, timestepsOffset, initialDiffusionRate, finalDiffusionRate, noiseSchedule, sigmaSchedule, modelPredictionType, v); }
}

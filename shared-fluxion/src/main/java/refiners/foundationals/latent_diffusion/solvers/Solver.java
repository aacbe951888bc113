package refiners.foundationals.latent_diffusion.solvers;

import static refiners.foundationals.latent_diffusion.solvers.ArrayMath.checkSameLength;
import static refiners.foundationals.latent_diffusion.solvers.ArrayMath.toDoubles;
import static refiners.foundationals.latent_diffusion.solvers.ArrayMath.toFloats;

import refiners.fluxion.DType;

/**
 * A diffusion solver, as refiners' {@code Solver}: the noise schedule of the training process (scale factors, their
 * cumulative products, noise standard deviations, signal-to-noise ratios), the inference timesteps, and one step of
 * the backward process ({@link #step}, refiners' {@code __call__}).
 *
 * <p>Latents are plain row-major arrays of any shape (every operation is elementwise). The float[] methods are the
 * pipeline's interface; they compute in double, like the double[] methods they wrap. Schedules are double.
 *
 * <p>Naming follows refiners: {@code scaleFactors} are 1 - beta (refiners' "scale_factors", elsewhere "alphas"),
 * {@code cumulativeScaleFactors} sqrt(prod alphas) ("alpha_t"), {@code noiseStd} sqrt(1 - prod alphas) ("sigma_t"),
 * {@code signalToNoiseRatios} log(alpha_t) - log(sigma_t) ("lambda_t").
 */
public abstract class Solver {
    protected final int numInferenceSteps;
    protected final int firstInferenceStep;
    protected final SolverParams params;
    protected final double[] scaleFactors;
    // Per training timestep here; DPMSolver replaces them with per-inference-step values (length n + 1).
    protected double[] cumulativeScaleFactors;
    protected double[] noiseStd;
    protected double[] signalToNoiseRatios;
    protected Timesteps timesteps;

    /**
     * @param params the caller's parameters (null fields, or null altogether, take {@code defaults})
     * @param defaults the solver class's resolved defaults
     */
    protected Solver(int numInferenceSteps, int firstInferenceStep, SolverParams params, SolverParams defaults) {
        if (numInferenceSteps <= 0) throw new IllegalArgumentException("num_inference_steps must be positive, got " + numInferenceSteps);
        if (firstInferenceStep < 0) throw new IllegalArgumentException("first_inference_step must be >= 0, got " + firstInferenceStep);
        this.numInferenceSteps = numInferenceSteps;
        this.firstInferenceStep = firstInferenceStep;
        this.params = (params == null ? SolverParams.UNSET : params).resolve(defaults);
        scaleFactors = sampleNoiseSchedule();
        int n = scaleFactors.length;
        cumulativeScaleFactors = new double[n];
        noiseStd = new double[n];
        signalToNoiseRatios = new double[n];
        double cumprod = 1;
        for (int t = 0; t < n; t++) {
            cumprod *= scaleFactors[t];
            cumulativeScaleFactors[t] = Math.sqrt(cumprod);
            noiseStd[t] = Math.sqrt(1.0 - cumprod);
            signalToNoiseRatios[t] = Math.log(cumulativeScaleFactors[t]) - Math.log(noiseStd[t]);
        }
        timesteps = generateTimesteps();
    }

    /** One step of the backward diffusion process (refiners' {@code __call__}). */
    public abstract double[] step(double[] x, double[] predictedNoise, int step);

    /** The same solver with other step counts and the same parameters (a fresh one: no multistep history). */
    public abstract Solver rebuild(int numInferenceSteps, int firstInferenceStep);

    public Solver rebuild(int numInferenceSteps) {
        return rebuild(numInferenceSteps, firstInferenceStep);
    }

    public final float[] step(float[] x, float[] predictedNoise, int step) {
        return toFloats(step(toDoubles(x), toDoubles(predictedNoise), step));
    }

    /**
     * Whether {@code step} draws fresh noise (DPM-Solver++ SDE, LCM's re-noising): refiners calls torch.randn there;
     * here the caller gives that noise to {@link #step(double[], double[], int, double[])}.
     */
    public boolean isStochastic(int step) {
        return false;
    }

    /** One step, given the standard-normal {@code noise} a stochastic step draws (ignored by deterministic ones). */
    public double[] step(double[] x, double[] predictedNoise, int step, double[] noise) {
        return step(x, predictedNoise, step);
    }

    public final float[] step(float[] x, float[] predictedNoise, int step, float[] noise) {
        return toFloats(step(toDoubles(x), toDoubles(predictedNoise), step, noise == null ? null : toDoubles(noise)));
    }

    /** Timesteps by spacing, as refiners' {@code Solver.generate_timesteps} (highest first). */
    public static Timesteps generateTimesteps(TimestepSpacing spacing, int numInferenceSteps, int numTrainTimesteps, int offset) {
        int maxTimestep = numTrainTimesteps - 1 + offset;
        double[] t;
        switch (spacing) {
            case LINSPACE -> {
                t = ArrayMath.numpyLinspace(offset, maxTimestep, numInferenceSteps);
                for (int i = 0; i < t.length; i++) t[i] = (float) t[i]; // refiners makes them float32
                return new Timesteps(ArrayMath.flip(t), DType.F32);
            }
            case LINSPACE_ROUNDED -> {
                t = ArrayMath.numpyLinspace(offset, maxTimestep, numInferenceSteps);
                for (int i = 0; i < t.length; i++) t[i] = Math.rint(t[i]); // numpy rounds half to even
                return new Timesteps(ArrayMath.flip(t), DType.I64);
            }
            case LEADING -> {
                int ratio = numTrainTimesteps / numInferenceSteps;
                t = new double[numInferenceSteps];
                for (int i = 0; i < t.length; i++) t[i] = (double) i * ratio + offset;
                return new Timesteps(ArrayMath.flip(t), DType.I64);
            }
            case TRAILING -> {
                // arange(max_timestep, offset, -ratio): may hold more or fewer than numInferenceSteps values, as in refiners
                int ratio = numTrainTimesteps / numInferenceSteps;
                if (ratio <= 0) throw new IllegalArgumentException("TRAILING spacing needs num_inference_steps <= num_train_timesteps");
                int count = Math.max(0, (maxTimestep - offset + ratio - 1) / ratio);
                t = new double[count];
                for (int i = 0; i < count; i++) t[i] = maxTimestep - (double) i * ratio;
                return new Timesteps(t, DType.I64);
            }
            default -> throw new IllegalArgumentException("generate_timesteps called with " + spacing + " spacing");
        }
    }

    /** This solver's timesteps (overridden by solvers with their own spacing). */
    protected Timesteps generateTimesteps() {
        return generateTimesteps(params.timestepsSpacing(), numInferenceSteps, params.numTrainTimesteps(), params.timestepsOffset());
    }

    /** 1 - (linspace(initial^(1/p), final^(1/p), num_train_timesteps))^p, p the schedule's power. */
    protected double[] sampleNoiseSchedule() {
        double power = params.noiseSchedule().power;
        double[] d = ArrayMath.torchLinspace(Math.pow(params.initialDiffusionRate(), 1 / power),
                Math.pow(params.finalDiffusionRate(), 1 / power), params.numTrainTimesteps());
        for (int i = 0; i < d.length; i++) d[i] = 1 - ArrayMath.torchPow(d[i], power);
        return d;
    }

    /**
     * Index into {@link #cumulativeScaleFactors}/{@link #noiseStd} for inference step {@code step}: here its timestep
     * (the training schedule). Floating-point timesteps (LINSPACE spacing, Euler) are rounded half to even: refiners
     * raises there (a float tensor cannot index), so this choice has no oracle reference.
     */
    protected int scheduleIndex(int step) {
        return timestepIndex(step);
    }

    /** The timestep of {@code step} as an index into the training schedule (rounded if floating-point, see above). */
    protected int timestepIndex(int step) {
        return (int) Math.rint(timesteps.get(step));
    }

    /** Noise x to the level of {@code step} (arXiv:2006.11239, eq. 4): alpha_t x + sigma_t noise. */
    public double[] addNoise(double[] x, double[] noise, int step) {
        checkSameLength(x, noise, "add_noise");
        int i = scheduleIndex(step);
        double a = cumulativeScaleFactors[i], s = noiseStd[i];
        double[] out = new double[x.length];
        for (int k = 0; k < x.length; k++) out[k] = a * x[k] + s * noise[k];
        return out;
    }

    /** Batched {@link #addNoise}: x and noise hold steps.length equal chunks (batch-major), chunk b noised to steps[b]. */
    public double[] addNoise(double[] x, double[] noise, int[] steps) {
        checkSameLength(x, noise, "add_noise");
        if (steps.length == 0 || x.length % steps.length != 0)
            throw new IllegalArgumentException("add_noise: " + x.length + " elements do not split into " + steps.length + " chunks");
        int chunk = x.length / steps.length;
        double[] out = new double[x.length];
        for (int b = 0; b < steps.length; b++) {
            int i = scheduleIndex(steps[b]);
            double a = cumulativeScaleFactors[i], s = noiseStd[i];
            for (int k = b * chunk; k < (b + 1) * chunk; k++) out[k] = a * x[k] + s * noise[k];
        }
        return out;
    }

    /** The inverse of {@link #addNoise}: (x - sigma_t noise) / alpha_t (arXiv:2006.11239, eq. 15). */
    public double[] removeNoise(double[] x, double[] noise, int step) {
        checkSameLength(x, noise, "remove_noise");
        int i = scheduleIndex(step);
        double a = cumulativeScaleFactors[i], s = noiseStd[i];
        double[] out = new double[x.length];
        for (int k = 0; k < x.length; k++) out[k] = (x[k] - s * noise[k]) / a;
        return out;
    }

    /** Scales the model input for {@code step} (identity unless the solver needs it; step -1 scales initial noise). */
    public double[] scaleModelInput(double[] x, int step) {
        return x.clone();
    }

    public final float[] addNoise(float[] x, float[] noise, int step) {
        return toFloats(addNoise(toDoubles(x), toDoubles(noise), step));
    }

    public final float[] addNoise(float[] x, float[] noise, int[] steps) {
        return toFloats(addNoise(toDoubles(x), toDoubles(noise), steps));
    }

    public final float[] removeNoise(float[] x, float[] noise, int step) {
        return toFloats(removeNoise(toDoubles(x), toDoubles(noise), step));
    }

    public final float[] scaleModelInput(float[] x, int step) {
        return toFloats(scaleModelInput(toDoubles(x), step));
    }

    protected void checkStep(int step) {
        if (step < firstInferenceStep || step >= numInferenceSteps)
            throw new IllegalArgumentException("invalid step " + step + " (inference steps " + firstInferenceStep + ".." + (numInferenceSteps - 1) + ")");
    }

    public int numInferenceSteps() { return numInferenceSteps; }
    public int firstInferenceStep() { return firstInferenceStep; }
    /** The resolved parameters. */
    public SolverParams params() { return params; }

    public int[] allSteps() {
        int[] out = new int[numInferenceSteps];
        for (int i = 0; i < out.length; i++) out[i] = i;
        return out;
    }

    /** The steps to run: firstInferenceStep .. numInferenceSteps - 1. */
    public int[] inferenceSteps() {
        int[] out = new int[Math.max(0, numInferenceSteps - firstInferenceStep)];
        for (int i = 0; i < out.length; i++) out[i] = firstInferenceStep + i;
        return out;
    }

    public Timesteps timesteps() { return timesteps; }

    /**
     * The UNet timestep of inference step {@code step}, exactly as refiners passes it to {@code set_timestep}: an
     * integer for DDIM/DPMSolver, the float32 LINSPACE value for Euler (refiners feeds those unrounded).
     */
    public double timestep(int step) { return timesteps.get(step); }

    public double[] scaleFactors() { return scaleFactors.clone(); }
    public double[] cumulativeScaleFactors() { return cumulativeScaleFactors.clone(); }
    public double[] noiseStd() { return noiseStd.clone(); }
    public double[] signalToNoiseRatios() { return signalToNoiseRatios.clone(); }
}

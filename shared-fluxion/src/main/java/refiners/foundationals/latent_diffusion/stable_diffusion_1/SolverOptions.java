package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.Locale;
import refiners.fluxion.InvalidRequestException;
import refiners.foundationals.latent_diffusion.solvers.NoiseSchedule;
import refiners.foundationals.latent_diffusion.solvers.SolverParams;
import refiners.foundationals.latent_diffusion.solvers.TimestepSpacing;

/**
 * A request's solver options, refiners' SolverParams by their wire names; a null field keeps the solver's default.
 * {@link #check} refuses an option the named solver does not take, naming the field.
 *
 * @param timestepsSpacing linspace, linspace_rounded, leading or trailing
 * @param timestepsOffset added to every timestep, >= 0
 * @param noiseSchedule uniform, quadratic or karras (euler: quadratic only)
 * @param sigmaSchedule dpm only: uniform, quadratic or karras
 * @param sdeVariance dpm only: 0 (deterministic) or 1 (DPM-Solver++ SDE, fresh noise every step)
 * @param lastStepFirstOrder dpm only: the last step first order
 */
public record SolverOptions(String timestepsSpacing, Integer timestepsOffset, String noiseSchedule, String sigmaSchedule,
                            Double sdeVariance, Boolean lastStepFirstOrder) {
    /** Every option at the solver's default. */
    public static final SolverOptions DEFAULT = new SolverOptions(null, null, null, null, null, null);

    public SolverOptions {
        timestepsSpacing = normalized(timestepsSpacing);
        noiseSchedule = normalized(noiseSchedule);
        sigmaSchedule = normalized(sigmaSchedule);
    }

    private static String normalized(String name) {
        return name == null || name.isBlank() ? null : name.trim().toLowerCase(Locale.ROOT);
    }

    /** Refuses options {@code solver} does not take and unknown values. */
    void check(String solver) {
        boolean dpm = solver.equals("dpm");
        if (timestepsSpacing != null) spacing();
        if (timestepsOffset != null && timestepsOffset < 0) throw new InvalidRequestException("timesteps_offset", "must be >= 0, got " + timestepsOffset);
        if (timestepsOffset != null && solver.equals("lcm"))
            throw new InvalidRequestException("timesteps_offset", "lcm takes its timesteps from a 50-step dpm schedule: no offset");
        if (noiseSchedule != null && schedule("noise_schedule", noiseSchedule) != NoiseSchedule.QUADRATIC && solver.equals("euler"))
            throw new InvalidRequestException("noise_schedule", "euler takes the quadratic noise schedule only, got '" + noiseSchedule + "'");
        if (sigmaSchedule != null) {
            dpmOnly("sigma_schedule", dpm, solver);
            schedule("sigma_schedule", sigmaSchedule);
        }
        if (sdeVariance != null) {
            dpmOnly("sde_variance", dpm, solver);
            if (sdeVariance != 0 && sdeVariance != 1) throw new InvalidRequestException("sde_variance", "must be 0 or 1, got " + sdeVariance);
        }
        if (lastStepFirstOrder != null) dpmOnly("last_step_first_order", dpm, solver);
    }

    /** The parameters for the solver (checked before). */
    SolverParams params() {
        SolverParams p = SolverParams.UNSET;
        if (timestepsSpacing != null) p = p.withTimestepsSpacing(spacing());
        if (timestepsOffset != null) p = p.withTimestepsOffset(timestepsOffset);
        if (noiseSchedule != null) p = p.withNoiseSchedule(NoiseSchedule.fromValue(noiseSchedule));
        if (sigmaSchedule != null) p = p.withSigmaSchedule(NoiseSchedule.fromValue(sigmaSchedule));
        if (sdeVariance != null) p = p.withSdeVariance(sdeVariance);
        return p;
    }

    boolean lastStepFirstOrderOrDefault() {
        return lastStepFirstOrder != null && lastStepFirstOrder;
    }

    private TimestepSpacing spacing() {
        // CUSTOM is DPMSolver's own default, not a choice
        if (!timestepsSpacing.equals(TimestepSpacing.CUSTOM.value))
            for (TimestepSpacing s : TimestepSpacing.values()) if (s.value.equals(timestepsSpacing)) return s;
        throw new InvalidRequestException("timesteps_spacing", "unknown spacing '" + timestepsSpacing + "' (known: linspace, linspace_rounded, leading, trailing)");
    }

    private static NoiseSchedule schedule(String field, String value) {
        for (NoiseSchedule s : NoiseSchedule.values()) if (s.value.equals(value)) return s;
        throw new InvalidRequestException(field, "unknown schedule '" + value + "' (known: uniform, quadratic, karras)");
    }

    private static void dpmOnly(String field, boolean dpm, String solver) {
        if (!dpm) throw new InvalidRequestException(field, "is a dpm option, the solver is " + solver);
    }
}

package refiners.foundationals.latent_diffusion.solvers;

/**
 * How the inference timesteps are spaced over the training timesteps (arXiv:2305.08891, table 2).
 * <ul>
 *   <li>LINSPACE: N steps by linear interpolation, floating-point timesteps (float32, as refiners keeps them);</li>
 *   <li>LINSPACE_ROUNDED: the same, rounded to integers;</li>
 *   <li>LEADING: N of N+1 steps, without the last timestep (non-zero final SNR; DDIM, with an offset to mitigate);</li>
 *   <li>TRAILING: N+1 steps, without the first timestep;</li>
 *   <li>CUSTOM: the solver generates its own (DPMSolver).</li>
 * </ul>
 */
public enum TimestepSpacing {
    LINSPACE("linspace"),
    LINSPACE_ROUNDED("linspace_rounded"),
    LEADING("leading"),
    TRAILING("trailing"),
    CUSTOM("custom");

    /** refiners' enum value. */
    public final String value;

    TimestepSpacing(String value) {
        this.value = value;
    }

    public static TimestepSpacing fromValue(String value) {
        for (TimestepSpacing s : values()) if (s.value.equals(value)) return s;
        throw new IllegalArgumentException("unknown timesteps spacing: " + value);
    }
}

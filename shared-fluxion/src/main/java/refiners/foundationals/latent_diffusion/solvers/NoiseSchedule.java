package refiners.foundationals.latent_diffusion.solvers;

/**
 * How the noise schedule (or a sigma schedule) is sampled: the power applied to a linear interpolation between the
 * initial and final diffusion rates. QUADRATIC is the "Stable Diffusion" schedule (arXiv:2305.08891, table 1); KARRAS is
 * arXiv:2206.00364, equation 5.
 */
public enum NoiseSchedule {
    UNIFORM("uniform", 1),
    QUADRATIC("quadratic", 2),
    KARRAS("karras", 7);

    /** refiners' enum value. */
    public final String value;
    /** The power (rho) of the distribution. */
    public final double power;

    NoiseSchedule(String value, double power) {
        this.value = value;
        this.power = power;
    }

    public static NoiseSchedule fromValue(String value) {
        for (NoiseSchedule s : values()) if (s.value.equals(value)) return s;
        throw new IllegalArgumentException("unknown noise schedule: " + value);
    }
}

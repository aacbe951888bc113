package refiners.foundationals.latent_diffusion;

import refiners.fluxion.Tensor;

/**
 * The initial-noise generator: the same seed always gives the same latents, on every machine and through the mesh.
 *
 * <p>Definition (stable, part of the API): a SplitMix64 stream seeded with {@code seed} yields 64-bit words; each
 * pair (a, b) gives u1 = ((a >>> 11) + 1) * 2^-53 in (0, 1] and u2 = (b >>> 11) * 2^-53 in [0, 1); Box-Muller turns
 * them into z0 = r cos(2 pi u2), z1 = r sin(2 pi u2) with r = sqrt(-2 ln u1), computed in double and rounded to
 * float32; values fill the tensor in row-major order (z0 then z1).
 *
 * <p>The noise a stochastic solver step draws ({@link #forStep}) is the same generator seeded with
 * mix(seed ^ mix(STEP_SALT + step)), mix being SplitMix64's finalizer: a stream of its own per (seed, step), apart from
 * the initial noise's, computed by whoever runs the solver. The noise reference-only control adds to its reference
 * latents at a step ({@link #forReference}) is seeded likewise with REFERENCE_SALT: apart from both.
 */
public final class GaussianNoise {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    /** Sets the step streams apart from the seeds themselves (any constant, fixed: it is part of the definition). */
    private static final long STEP_SALT = 0x5EED5EED00000000L;
    private static final long REFERENCE_SALT = 0x2EF02EF000000000L;

    private GaussianNoise() {}

    public static Tensor sample(long seed, long... shape) {
        int n = Math.toIntExact(Tensor.numel(shape));
        float[] out = new float[n];
        long state = seed;
        for (int i = 0; i < n; i += 2) {
            state += GOLDEN;
            long a = mix(state);
            state += GOLDEN;
            long b = mix(state);
            double u1 = ((a >>> 11) + 1) * 0x1p-53;
            double u2 = (b >>> 11) * 0x1p-53;
            double r = Math.sqrt(-2 * Math.log(u1));
            out[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < n) out[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
        }
        return Tensor.ofFloats(shape, out);
    }

    /** The standard-normal noise of solver step {@code step} of the generation seeded {@code seed}. */
    public static Tensor forStep(long seed, int step, long... shape) {
        return sample(mix(seed ^ mix(STEP_SALT + step)), shape);
    }

    /** The standard-normal noise reference-only control adds to its reference latents at step {@code step}. */
    public static Tensor forReference(long seed, int step, long... shape) {
        return sample(mix(seed ^ mix(REFERENCE_SALT + step)), shape);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

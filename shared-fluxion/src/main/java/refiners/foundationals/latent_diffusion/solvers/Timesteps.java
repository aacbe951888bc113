package refiners.foundationals.latent_diffusion.solvers;

import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

/**
 * A solver's timesteps, one per inference step (highest first), with the dtype refiners gives them: I64 (DDIM and the
 * integer spacings), I32 (DPMSolver), F32 (LINSPACE spacing, e.g. Euler: the float32 values of numpy's linspace).
 * Values are held as doubles, which represent all of these exactly.
 */
public record Timesteps(double[] values, DType dtype) {
    public Timesteps {
        if (dtype != DType.I64 && dtype != DType.I32 && dtype != DType.F32)
            throw new IllegalArgumentException("timesteps are I64, I32 or F32, not " + dtype);
        values = values.clone();
        for (double v : values)
            if (dtype == DType.F32 ? v != (float) v : v != Math.rint(v))
                throw new IllegalArgumentException(v + " is not a " + dtype + " value");
    }

    public int size() {
        return values.length;
    }

    /** The timestep of inference step {@code step}: the value refiners passes to the UNet. */
    public double get(int step) {
        return values[step];
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    public boolean isInteger() {
        return dtype != DType.F32;
    }

    /** The integer timesteps (DDIM, DPMSolver); fails for floating-point (LINSPACE) timesteps. */
    public long[] toLongArray() {
        if (!isInteger()) throw new IllegalStateException("floating-point timesteps (" + dtype + ")");
        long[] out = new long[values.length];
        for (int i = 0; i < out.length; i++) out[i] = (long) values[i];
        return out;
    }

    /** The timesteps as float32 (exact for every dtype here: timesteps stay below 2^24). */
    public float[] toFloatArray() {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) values[i];
        return out;
    }

    /** A 1-d tensor with refiners' dtype. */
    public Tensor toTensor() {
        long[] shape = {values.length};
        return switch (dtype) {
            case I64 -> Tensor.ofLongs(shape, toLongArray());
            case I32 -> {
                int[] v = new int[values.length];
                for (int i = 0; i < v.length; i++) v[i] = (int) values[i];
                yield Tensor.ofInts(shape, v);
            }
            default -> Tensor.ofFloats(shape, toFloatArray());
        };
    }
}

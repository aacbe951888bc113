package refiners.foundationals.latent_diffusion.solvers;

/**
 * The few torch / numpy primitives the solvers use, with the same float64 rounding steps (so integer timesteps derived
 * by rounding land on the same side of .5 as in refiners).
 */
final class ArrayMath {
    private ArrayMath() {}

    /** torch.linspace on CPU: start + i*step for the first half, end - (steps-1-i)*step for the second. */
    static double[] torchLinspace(double start, double end, int steps) {
        double[] out = new double[steps];
        if (steps == 1) {
            out[0] = start;
            return out;
        }
        double step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++) out[i] = i < halfway ? start + step * i : end - step * (steps - i - 1);
        return out;
    }

    /** numpy.linspace (endpoint=True): i*step + start, the last value exactly stop. */
    static double[] numpyLinspace(double start, double stop, int num) {
        double[] out = new double[num];
        if (num == 0) return out;
        if (num == 1) {
            out[0] = start;
            return out;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) out[i] = i * step + start;
        out[num - 1] = stop;
        return out;
    }

    /** numpy.interp(x, xp, fp) for increasing xp, with numpy's end and exact-hit rules. */
    static double[] numpyInterp(double[] x, double[] xp, double[] fp) {
        int n = xp.length;
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (Double.isNaN(v)) {
                out[i] = v;
            } else if (v < xp[0]) {
                out[i] = fp[0];
            } else if (v >= xp[n - 1]) {
                out[i] = fp[n - 1];
            } else {
                int j = lastAtMost(xp, v);
                if (xp[j] == v) {
                    out[i] = fp[j];
                } else {
                    double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
                    out[i] = slope * (v - xp[j]) + fp[j];
                    if (Double.isNaN(out[i])) {
                        out[i] = slope * (v - xp[j + 1]) + fp[j + 1];
                        if (Double.isNaN(out[i]) && fp[j] == fp[j + 1]) out[i] = fp[j];
                    }
                }
            }
        }
        return out;
    }

    /** The last index j with a[j] <= v (a increasing, a[0] <= v). */
    private static int lastAtMost(double[] a, double v) {
        int lo = 0, hi = a.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (a[mid] <= v) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    static double[] arange(int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = i;
        return out;
    }

    static double[] flip(double[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[a.length - 1 - i];
        return out;
    }

    /** torch's tensor ** exponent: squares and square roots are special-cased, the rest is pow. */
    static double torchPow(double x, double exponent) {
        if (exponent == 2) return x * x;
        if (exponent == 0.5) return Math.sqrt(x);
        if (exponent == 1) return x;
        return Math.pow(x, exponent);
    }

    /** refiners' safe_log: log(max(x, 1e-6)). */
    static double safeLog(double x) {
        return Math.log(Math.max(x, 1e-6));
    }

    static double[] toDoubles(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }

    static float[] toFloats(double[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = (float) a[i];
        return out;
    }

    static void checkSameLength(double[] a, double[] b, String what) {
        if (a.length != b.length) throw new IllegalArgumentException(what + ": " + a.length + " vs " + b.length + " elements");
    }
}

package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import refiners.fluxion.Tensor;

/** The oracle's acceptance rule: max|java - f64| <= tolerance_rel * max|f64|; integer outputs exactly equal. */
public final class Comparison {
    private Comparison() {}

    public static void check(String what, JsonNode output, Tensor expected, Tensor actual) {
        long[] es = expected.shape(), as = actual.shape();
        if (!Arrays.equals(es, as))
            throw new AssertionError(what + ": shape " + Arrays.toString(as) + ", expected " + Arrays.toString(es));
        if (!expected.dtype().isFloatingPoint() || output.path("exact").asBoolean(false)) {
            long[] e = expected.toLongArray();
            double[] a = actual.toDoubleArray();
            for (int i = 0; i < e.length; i++)
                if (a[i] != e[i]) throw new AssertionError(what + ": element " + i + " is " + a[i] + ", expected exactly " + e[i]);
            return;
        }
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        double maxAbs = 0, maxErr = 0;
        int worst = -1;
        for (int i = 0; i < e.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(e[i]));
            double err = Math.abs(a[i] - e[i]);
            if (!(err <= maxErr)) { // NaN-aware: a NaN error always becomes the worst
                maxErr = err;
                worst = i;
            }
        }
        double tolRel = output.get("tolerance_rel").asDouble();
        double tol = tolRel * maxAbs;
        if (!(maxErr <= tol))
            throw new AssertionError(String.format("%s: max|java - f64| = %.3e at %d (java %.8g, f64 %.8g) exceeds %.3e (tolerance_rel %.3e x max|f64| %.4g)",
                    what, maxErr, worst, a[worst], e[worst], tol, tolRel, maxAbs));
        System.out.printf("  %s: max err %.3e <= %.3e (%.1f%% of tolerance)%n", what, maxErr, tol, 100 * maxErr / Math.max(tol, Double.MIN_VALUE));
    }
}

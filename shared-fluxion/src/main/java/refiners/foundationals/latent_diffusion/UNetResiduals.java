package refiners.foundationals.latent_diffusion;

import java.util.List;
import refiners.fluxion.compile.Value;

/**
 * The "unet" context's residuals list, indexed like a Python list (negative indices count from the end). Slots start
 * as 0.0 (refiners keeps Python floats there) until a layer stores a graph value.
 */
public final class UNetResiduals {
    private UNetResiduals() {}

    @SuppressWarnings("unchecked")
    static List<Object> of(Object residuals) {
        if (!(residuals instanceof List<?>)) throw new IllegalStateException("context unet.residuals is not a list");
        return (List<Object>) residuals;
    }

    static int index(List<Object> residuals, int n) {
        int i = n < 0 ? residuals.size() + n : n;
        if (i < 0 || i >= residuals.size())
            throw new IndexOutOfBoundsException("residual index " + n + " out of range for " + residuals.size() + " residuals");
        return i;
    }

    static Object get(Object residuals, int n) {
        List<Object> l = of(residuals);
        return l.get(index(l, n));
    }

    static void set(Object residuals, int n, Object value) {
        List<Object> l = of(residuals);
        l.set(index(l, n), value);
    }

    /** residuals[n] = residuals[n] + x (an adapter's contribution, e.g. a ControlNet's; a 0.0 slot just takes x). */
    public static void add(Object residuals, int n, Value x) {
        Object current = get(residuals, n);
        if (current instanceof Number v) set(residuals, n, v.doubleValue() == 0 ? x : x.add(v.doubleValue()));
        else if (current instanceof Value v) set(residuals, n, v.add(x));
        else throw new IllegalStateException("context unet.residuals[" + n + "] holds " + current);
    }
}

package refiners.fluxion.layers;

import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

/** A layer owning parameters; prints device and dtype as refiners does. */
public abstract class WeightedModule extends Module {
    @Override
    public String toString() {
        Attributes a = new Attributes();
        describe(a);
        String s = a.toString();
        return className() + "(" + (s.isEmpty() ? "" : s + ", ") + "device=cpu, dtype=" + dtypeName() + ")";
    }

    private String dtypeName() {
        for (Param p : parameters().values()) {
            Tensor t = p.value();
            if (t != null) return t.dtype() == DType.F16 ? "float16" : t.dtype() == DType.BF16 ? "bfloat16" : "float32";
        }
        return "float32";
    }
}

package refiners.fluxion.autodiff;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Vector-Jacobian products of ReduceSum and ReduceMean: the gradient spread back over the reduced axes. */
final class ReductionRules {
    private ReductionRules() {}

    static void register(Map<String, VjpRule> rules) {
        rules.put("ReduceSum", v -> spread(v, false));
        rules.put("ReduceMean", v -> spread(v, true));
    }

    private static void spread(Vjp v, boolean mean) {
        GraphWriter w = v.w();
        long[] xs = v.shape(v.in(0));
        long[] axes = v.in(1) != null ? v.constantInput(1, "axes") : v.attrInts("axes");
        boolean[] reduced = new boolean[xs.length];
        if (axes == null || axes.length == 0) {
            if (v.attrInt("noop_with_empty_axes", 0) != 0) {
                v.give(0, v.grad(0));
                return;
            }
            Arrays.fill(reduced, true);
        } else for (long a : axes) reduced[ShapeInference.axis(a, xs.length)] = true;
        long[] kept = xs.clone();
        long count = 1;
        for (int i = 0; i < xs.length; i++) if (reduced[i]) {
            kept[i] = 1;
            count *= xs[i];
        }
        String g = w.reshape(v.grad(0), kept);
        if (mean) g = w.mul(g, 1.0 / count);
        v.give(0, w.node("Expand", List.of(g, w.longs(xs))));
    }
}

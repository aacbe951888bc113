package refiners.fluxion.autodiff;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The vector-Jacobian rule of every op differentiation supports, by op type ("domain:op" outside the ONNX domain). */
public final class VjpRules {
    private static final Map<String, VjpRule> RULES;

    static {
        Map<String, VjpRule> r = new HashMap<>();
        ElementwiseRules.register(r);
        MatMulRules.register(r);
        ConvRules.register(r);
        NormalizationRules.register(r);
        ShapeRules.register(r);
        ReductionRules.register(r);
        RULES = Collections.unmodifiableMap(r);
    }

    private VjpRules() {}

    static String key(String domain, String op) {
        return domain.isEmpty() || domain.equals("ai.onnx") ? op : domain + ":" + op;
    }

    /** The rule for an op, or null. */
    public static VjpRule find(String domain, String op) {
        return RULES.get(key(domain, op));
    }

    /** Every supported op, sorted. */
    public static Set<String> ops() {
        return Collections.unmodifiableSet(new TreeSet<>(RULES.keySet()));
    }
}

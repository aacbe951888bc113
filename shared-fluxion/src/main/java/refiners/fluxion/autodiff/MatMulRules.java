package refiners.fluxion.autodiff;

import java.util.Map;

/**
 * Vector-Jacobian products of matrix products: with Y = alpha * op(A) @ op(B), dA = alpha * g @ op(B)^T and
 * dB = alpha * op(A)^T @ g (transposed back when op transposes), summed over broadcast batch dimensions. Frozen weights
 * are read as they are stored (a transpose flag, never a transposed copy).
 */
final class MatMulRules {
    private MatMulRules() {}

    static void register(Map<String, VjpRule> rules) {
        rules.put("MatMul", v -> product(v, false, false, 1));
        rules.put("com.microsoft:FusedMatMul", v -> {
            if (v.attrInt("transBatchA", 0) != 0 || v.attrInt("transBatchB", 0) != 0) throw v.unsupported("transBatchA/transBatchB");
            product(v, v.attrInt("transA", 0) != 0, v.attrInt("transB", 0) != 0, v.attrFloat("alpha", 1f));
        });
        rules.put("Gemm", v -> {
            product(v, v.attrInt("transA", 0) != 0, v.attrInt("transB", 0) != 0, v.attrFloat("alpha", 1f));
            if (v.needs(2)) v.give(2, v.w().sumTo(v.w().mul(v.grad(0), v.attrFloat("beta", 1f)), v.shape(v.in(2))));
        });
    }

    private static void product(Vjp v, boolean transA, boolean transB, double alpha) {
        GraphWriter w = v.w();
        String a = v.in(0), b = v.in(1), g = v.grad(0);
        if (v.needs(0)) {
            String ga = transA ? w.matmul(b, g, transB, true, alpha) : w.matmul(g, b, false, !transB, alpha);
            v.give(0, w.sumTo(ga, v.shape(a)));
        }
        if (v.needs(1)) {
            long[] sa = v.shape(a), sb = v.shape(b);
            String gb;
            if (sb.length == 2 && sa.length > 2 && !transA) {
                // A (..., m, k) against a matrix B: one product over the flattened batch instead of a sum of many.
                long k = sa[sa.length - 1], n = v.shape(g)[sa.length - 1];
                String a2 = w.reshape(a, -1, k), g2 = w.reshape(g, -1, n);
                gb = transB ? w.matmul(g2, a2, true, false, alpha) : w.matmul(a2, g2, true, false, alpha);
            } else {
                gb = transB ? w.matmul(g, a, true, transA, alpha) : w.matmul(a, g, !transA, false, alpha);
            }
            v.give(1, w.sumTo(gb, sb));
        }
    }
}

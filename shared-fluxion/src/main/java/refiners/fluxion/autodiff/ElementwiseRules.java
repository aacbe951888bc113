package refiners.fluxion.autodiff;

import java.util.List;
import java.util.Map;

/** Vector-Jacobian products of elementwise ops: arithmetic with broadcasting (summed back) and activations. */
final class ElementwiseRules {
    private ElementwiseRules() {}

    static void register(Map<String, VjpRule> rules) {
        rules.put("Identity", v -> v.give(0, v.grad(0)));
        rules.put("Add", v -> {
            v.give(0, v.w().sumTo(v.grad(0), v.shape(v.in(0))));
            v.give(1, v.w().sumTo(v.grad(0), v.shape(v.in(1))));
        });
        rules.put("Sub", v -> {
            v.give(0, v.w().sumTo(v.grad(0), v.shape(v.in(0))));
            if (v.needs(1)) v.give(1, v.w().sumTo(v.w().neg(v.grad(0)), v.shape(v.in(1))));
        });
        rules.put("Sum", v -> {
            for (int i = 0; i < v.inputCount(); i++) v.give(i, v.w().sumTo(v.grad(0), v.shape(v.in(i))));
        });
        rules.put("Mul", v -> {
            GraphWriter w = v.w();
            if (v.needs(0)) v.give(0, w.sumTo(w.mul(v.grad(0), v.in(1)), v.shape(v.in(0))));
            if (v.needs(1)) v.give(1, w.sumTo(w.mul(v.grad(0), v.in(0)), v.shape(v.in(1))));
        });
        rules.put("Div", v -> {
            GraphWriter w = v.w();
            if (v.needs(0)) v.give(0, w.sumTo(w.div(v.grad(0), v.in(1)), v.shape(v.in(0))));
            if (v.needs(1)) v.give(1, w.sumTo(w.neg(w.div(w.mul(v.grad(0), v.out(0)), v.in(1))), v.shape(v.in(1))));
        });
        rules.put("Pow", v -> {
            if (v.needs(1)) throw v.unsupported("a gradient with respect to the exponent");
            GraphWriter w = v.w();
            String x = v.in(0), p = v.in(1);
            String pm1 = w.sub(p, w.cast(w.scalar(1, TensorInfo.FLOAT), v.type(p)));
            String d = w.mul(w.cast(p, v.type(x)), w.node("Pow", List.of(x, pm1)));
            v.give(0, w.sumTo(w.mul(v.grad(0), d), v.shape(x)));
        });
        rules.put("Neg", v -> v.give(0, v.w().neg(v.grad(0))));
        rules.put("Cast", v -> {
            if (v.w().info(v.in(0)).isFloat()) v.give(0, v.w().cast(v.grad(0), v.type(v.in(0))));
        });
        rules.put("Sqrt", v -> v.give(0, v.w().div(v.grad(0), v.w().mul(v.out(0), 2))));
        rules.put("Exp", v -> v.give(0, v.w().mul(v.grad(0), v.out(0))));
        rules.put("Log", v -> v.give(0, v.w().div(v.grad(0), v.in(0))));
        rules.put("Reciprocal", v -> {
            GraphWriter w = v.w();
            v.give(0, w.neg(w.mul(v.grad(0), w.mul(v.out(0), v.out(0)))));
        });
        rules.put("Tanh", v -> {
            GraphWriter w = v.w();
            String y = v.out(0);
            v.give(0, w.mul(v.grad(0), w.sub(w.scalar(1, v.type(y)), w.mul(y, y))));
        });
        rules.put("Sigmoid", v -> {
            GraphWriter w = v.w();
            String y = v.out(0);
            v.give(0, w.mul(v.grad(0), w.mul(y, w.sub(w.scalar(1, v.type(y)), y))));
        });
        rules.put("Relu", v -> {
            GraphWriter w = v.w();
            String x = v.in(0);
            String positive = w.node("Greater", List.of(x, w.scalar(0, v.type(x))));
            v.give(0, w.node("Where", List.of(positive, v.grad(0), w.scalar(0, v.type(x)))));
        });
        rules.put("Erf", v -> {
            GraphWriter w = v.w();
            String x = v.in(0);
            String e = w.node("Exp", List.of(w.neg(w.mul(x, x))));
            v.give(0, w.mul(v.grad(0), w.mul(e, 2 / Math.sqrt(Math.PI))));
        });
        rules.put("Sin", v -> v.give(0, v.w().mul(v.grad(0), v.w().node("Cos", List.of(v.in(0))))));
        rules.put("Cos", v -> v.give(0, v.w().neg(v.w().mul(v.grad(0), v.w().node("Sin", List.of(v.in(0)))))));
        rules.put("Gelu", ElementwiseRules::gelu);
        rules.put("Where", v -> {
            GraphWriter w = v.w();
            String c = v.in(0), zero = w.scalar(0, v.type(v.grad(0)));
            if (v.needs(1)) v.give(1, w.sumTo(w.node("Where", List.of(c, v.grad(0), zero)), v.shape(v.in(1))));
            if (v.needs(2)) v.give(2, w.sumTo(w.node("Where", List.of(c, zero, v.grad(0))), v.shape(v.in(2))));
        });
    }

    /**
     * Exact: d/dx x*Phi(x) = Phi(x) + x*phi(x). Tanh approximation: with u = c*(x + 0.044715 x^3), t = tanh(u),
     * d/dx 0.5*x*(1 + t) = 0.5*(1 + t) + 0.5*x*(1 - t^2)*c*(1 + 3*0.044715 x^2).
     */
    private static void gelu(Vjp v) {
        GraphWriter w = v.w();
        String x = v.in(0);
        int type = v.type(x);
        String one = w.scalar(1, type);
        String d;
        switch (v.attrString("approximate", "none")) {
            case "none" -> {
                String cdf = w.mul(w.add(one, w.node("Erf", List.of(w.mul(x, 1 / Math.sqrt(2))))), 0.5);
                String pdf = w.mul(w.node("Exp", List.of(w.mul(w.mul(x, x), -0.5))), 1 / Math.sqrt(2 * Math.PI));
                d = w.add(cdf, w.mul(x, pdf));
            }
            case "tanh" -> {
                double c = Math.sqrt(2 / Math.PI);
                String x2 = w.mul(x, x);
                String u = w.mul(w.mul(x, w.add(one, w.mul(x2, 0.044715))), c);
                String t = w.node("Tanh", List.of(u));
                String du = w.mul(w.add(one, w.mul(x2, 3 * 0.044715)), c);
                String sech2 = w.sub(one, w.mul(t, t));
                d = w.mul(w.add(w.add(one, t), w.mul(w.mul(x, sech2), du)), 0.5);
            }
            default -> throw v.unsupported("approximate=" + v.attrString("approximate", ""));
        }
        v.give(0, w.mul(v.grad(0), d));
    }
}

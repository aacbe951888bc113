package refiners.fluxion.autodiff;

import java.util.List;
import java.util.Map;

/**
 * Vector-Jacobian products of GroupNormalization, InstanceNormalization (what GroupNorm lowers to for ONNX Runtime),
 * LayerNormalization and Softmax. Normalizations recompute their
 * statistics from the saved input (two reductions, cheaper than keeping them) and use the usual form
 * dx = r * (dxh - mean(dxh) - xh * mean(dxh * xh)), xh the normalized input, r the inverse deviation, dxh = g * scale.
 */
final class NormalizationRules {
    private NormalizationRules() {}

    static void register(Map<String, VjpRule> rules) {
        rules.put("GroupNormalization", NormalizationRules::groupNorm);
        rules.put("InstanceNormalization", NormalizationRules::instanceNorm);
        rules.put("LayerNormalization", NormalizationRules::layerNorm);
        rules.put("Softmax", v -> {
            GraphWriter w = v.w();
            String y = v.out(0), g = v.grad(0);
            long axis = ShapeInference.axis(v.attrInt("axis", -1), v.shape(y).length);
            String dot = w.reduceSum(w.mul(g, y), new long[] {axis}, true);
            v.give(0, w.mul(y, w.sub(g, dot)));
        });
        rules.put("LogSoftmax", v -> {
            GraphWriter w = v.w();
            String y = v.out(0), g = v.grad(0);
            long axis = ShapeInference.axis(v.attrInt("axis", -1), v.shape(y).length);
            String total = w.reduceSum(g, new long[] {axis}, true);
            v.give(0, w.sub(g, w.mul(w.node("Exp", List.of(y)), total)));
        });
    }

    /** {normalized x, inverse deviation} over the given axes of x (kept as size 1). */
    private static String[] normalize(GraphWriter w, String x, long[] axes, double eps) {
        String mean = w.reduceMean(x, axes, true);
        String centered = w.sub(x, mean);
        String var = w.reduceMean(w.mul(centered, centered), axes, true);
        String inv = w.node("Reciprocal", List.of(w.node("Sqrt", List.of(w.add(var, w.scalar(eps, w.type(x)))))));
        return new String[] {w.mul(centered, inv), inv};
    }

    /** dx from dxh over the normalized axes. */
    private static String inputGradient(GraphWriter w, String dxh, String xh, String inv, long[] axes) {
        String m1 = w.reduceMean(dxh, axes, true);
        String m2 = w.reduceMean(w.mul(dxh, xh), axes, true);
        return w.mul(inv, w.sub(w.sub(dxh, m1), w.mul(xh, m2)));
    }

    private static void groupNorm(Vjp v) {
        GraphWriter w = v.w();
        String x = v.in(0), scale = v.in(1), g = v.grad(0);
        long[] xs = v.shape(x);
        long groups = v.attrInt("num_groups", 0);
        if (groups <= 0 || xs[1] % groups != 0) throw v.unsupported("num_groups " + groups + " for " + xs[1] + " channels");
        long[] grouped = {xs[0], groups, -1};
        String[] n = normalize(w, w.reshape(x, grouped), new long[] {2}, v.attrFloat("epsilon", 1e-5f));
        String xh = n[0];
        long[] perChannel = new long[xs.length - 1]; // (C, 1, ..., 1): scale and bias broadcast over space
        java.util.Arrays.fill(perChannel, 1);
        perChannel[0] = xs[1];
        long[] reduceAxes = new long[xs.length - 1];
        for (int i = 1; i < reduceAxes.length; i++) reduceAxes[i] = i + 1;
        if (v.needs(0)) {
            String dxh = w.reshape(w.mul(g, w.reshape(scale, perChannel)), grouped);
            v.give(0, w.reshape(inputGradient(w, dxh, xh, n[1], new long[] {2}), xs));
        }
        if (v.needs(1)) v.give(1, w.reduceSum(w.mul(g, w.reshape(xh, xs)), reduceAxes, false));
        if (v.needs(2)) v.give(2, w.reduceSum(g, reduceAxes, false));
    }

    /** Statistics per (sample, channel) over the spatial axes, then scale[c] and bias[c]. */
    private static void instanceNorm(Vjp v) {
        GraphWriter w = v.w();
        String x = v.in(0), scale = v.in(1), g = v.grad(0);
        long[] xs = v.shape(x);
        long[] spatial = new long[xs.length - 2];
        for (int i = 0; i < spatial.length; i++) spatial[i] = i + 2;
        String[] n = normalize(w, x, spatial, v.attrFloat("epsilon", 1e-5f));
        long[] perChannel = new long[xs.length - 1];
        java.util.Arrays.fill(perChannel, 1);
        perChannel[0] = xs[1];
        long[] reduceAxes = new long[xs.length - 1]; // all but the channel axis
        for (int i = 1; i < reduceAxes.length; i++) reduceAxes[i] = i + 1;
        if (v.needs(0)) v.give(0, inputGradient(w, w.mul(g, w.reshape(scale, perChannel)), n[0], n[1], spatial));
        if (v.needs(1)) v.give(1, w.reduceSum(w.mul(g, n[0]), reduceAxes, false));
        if (v.needs(2)) v.give(2, w.reduceSum(g, reduceAxes, false));
    }

    private static void layerNorm(Vjp v) {
        GraphWriter w = v.w();
        if (v.grad(1) != null || v.grad(2) != null) throw v.unsupported("a gradient through the Mean/InvStdDev outputs");
        String x = v.in(0), scale = v.in(1), g = v.grad(0);
        long[] xs = v.shape(x);
        int axis = ShapeInference.axis(v.attrInt("axis", -1), xs.length);
        long[] axes = new long[xs.length - axis];
        for (int i = 0; i < axes.length; i++) axes[i] = axis + i;
        String[] n = normalize(w, x, axes, v.attrFloat("epsilon", 1e-5f));
        if (v.needs(0)) v.give(0, inputGradient(w, w.mul(g, scale), n[0], n[1], axes));
        if (v.needs(1)) v.give(1, w.sumTo(w.mul(g, n[0]), v.shape(scale)));
        if (v.needs(2)) v.give(2, w.sumTo(g, v.shape(v.in(2))));
    }
}

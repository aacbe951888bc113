package refiners.fluxion.autodiff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import refiners.fluxion.compile.Attr;

/**
 * Vector-Jacobian products of ops that move data without arithmetic: each sends the gradient back to where the data
 * came from (reshapes back, inverse permutation, split against concat, pad against slice, nearest upsampling summed
 * over each block).
 */
final class ShapeRules {
    private ShapeRules() {}

    static void register(Map<String, VjpRule> rules) {
        VjpRule reshapeBack = v -> v.give(0, v.w().reshape(v.grad(0), v.shape(v.in(0))));
        for (String op : List.of("Reshape", "Flatten", "Squeeze", "Unsqueeze")) rules.put(op, reshapeBack);
        rules.put("Transpose", v -> {
            long[] perm = v.attrInts("perm");
            int r = v.shape(v.in(0)).length;
            long[] inverse = new long[r];
            for (int i = 0; i < r; i++) inverse[perm == null ? r - 1 - i : (int) perm[i]] = i;
            v.give(0, v.w().transpose(v.grad(0), inverse));
        });
        rules.put("Expand", v -> v.give(0, v.w().sumTo(v.grad(0), v.shape(v.in(0)))));
        rules.put("Concat", ShapeRules::concat);
        rules.put("Split", v -> {
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < v.node().getOutputCount(); i++) parts.add(v.gradOrZeros(i));
            long axis = ShapeInference.axis(v.attrInt("axis", 0), v.shape(v.in(0)).length);
            v.give(0, v.w().node("Concat", parts, Attr.i("axis", axis)));
        });
        rules.put("Slice", ShapeRules::slice);
        rules.put("Pad", ShapeRules::pad);
        rules.put("Resize", ShapeRules::resize);
        rules.put("Trilu", v -> {
            List<String> in = v.in(1) == null ? List.of(v.grad(0)) : List.of(v.grad(0), v.in(1));
            v.give(0, v.w().node("Trilu", in, Attr.i("upper", v.attrInt("upper", 1))));
        });
        rules.put("Gather", v -> {
            if (v.needs(0)) throw v.unsupported("a gradient with respect to the gathered data (embedding tables are frozen)");
        });
    }

    private static void concat(Vjp v) {
        GraphWriter w = v.w();
        long[] ys = v.shape(v.out(0));
        long axis = ShapeInference.axis(v.attrInt("axis", 0), ys.length);
        long[] sizes = new long[v.inputCount()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = v.shape(v.in(i))[(int) axis];
        List<String> parts = w.nodeN("Split", "", List.of(v.grad(0), w.longs(sizes)), sizes.length, Attr.i("axis", axis));
        for (int i = 0; i < sizes.length; i++) v.give(i, parts.get(i));
    }

    private static void slice(Vjp v) {
        long[] xs = v.shape(v.in(0));
        long[] starts = v.constantInput(1, "starts"), ends = v.constantInput(2, "ends");
        long[] axes = v.in(3) == null ? null : v.constantInput(3, "axes");
        long[] steps = v.in(4) == null ? null : v.constantInput(4, "steps");
        long[] pads = new long[2 * xs.length];
        for (int i = 0; i < starts.length; i++) {
            int a = axes == null ? i : ShapeInference.axis(axes[i], xs.length);
            if (steps != null && steps[i] != 1) throw v.unsupported("a step of " + steps[i]);
            long[] r = ShapeInference.sliceRange(starts[i], ends[i], 1, xs[a]);
            pads[a] = r[0];
            pads[a + xs.length] = xs[a] - Math.max(r[0], r[1]);
        }
        v.give(0, v.w().node("Pad", List.of(v.grad(0), v.w().longs(pads)), Attr.s("mode", "constant")));
    }

    private static void pad(Vjp v) {
        if (!v.attrString("mode", "constant").equals("constant")) throw v.unsupported("mode " + v.attrString("mode", ""));
        long[] xs = v.shape(v.in(0));
        long[] pads = v.constantInput(1, "pads");
        long[] axes = v.in(3) == null ? null : v.constantInput(3, "axes");
        int k = axes == null ? xs.length : axes.length;
        long[] starts = new long[k], ends = new long[k], sliceAxes = new long[k];
        for (int i = 0; i < k; i++) {
            int a = axes == null ? i : ShapeInference.axis(axes[i], xs.length);
            if (pads[i] < 0 || pads[i + k] < 0) throw v.unsupported("negative pads");
            starts[i] = pads[i];
            ends[i] = pads[i] + xs[a];
            sliceAxes[i] = a;
        }
        GraphWriter w = v.w();
        v.give(0, w.node("Slice", List.of(v.grad(0), w.longs(starts), w.longs(ends), w.longs(sliceAxes))));
    }

    /** Nearest upsampling by integer factors: every input pixel fed a block of outputs, so it gets their sum. */
    private static void resize(Vjp v) {
        String mode = v.attrString("mode", "nearest"), coords = v.attrString("coordinate_transformation_mode", "half_pixel");
        String rounding = v.attrString("nearest_mode", "round_prefer_floor");
        boolean blockwise = mode.equals("nearest") && (coords.equals("asymmetric") && rounding.equals("floor")
                || coords.equals("half_pixel") && rounding.startsWith("round_prefer"));
        if (!blockwise) throw v.unsupported("mode " + mode + " with " + coords + "/" + rounding + " (nearest upsampling by integer factors only)");
        long[] xs = v.shape(v.in(0)), ys = v.shape(v.out(0));
        List<Long> blocks = new ArrayList<>();
        List<Long> sumAxes = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            if (ys[i] % xs[i] != 0) throw v.unsupported("a non-integer scale " + ys[i] + "/" + xs[i]);
            blocks.add(xs[i]);
            if (ys[i] != xs[i]) {
                sumAxes.add((long) blocks.size());
                blocks.add(ys[i] / xs[i]);
            }
        }
        GraphWriter w = v.w();
        String blocked = w.reshape(v.grad(0), blocks.stream().mapToLong(Long::longValue).toArray());
        v.give(0, w.reshape(w.reduceSum(blocked, sumAxes.stream().mapToLong(Long::longValue).toArray(), false), xs));
    }
}

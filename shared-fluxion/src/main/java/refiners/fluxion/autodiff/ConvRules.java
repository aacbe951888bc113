package refiners.fluxion.autodiff;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import refiners.fluxion.compile.Attr;

/**
 * Vector-Jacobian product of Conv. The input gradient is the transposed convolution of the output gradient with the
 * same (frozen, unmoved) kernel, its output padding chosen to give back the input size (stride 2 convs drop a row);
 * the kernel gradient correlates the input with the output gradient (strides and dilations swap roles); the bias
 * gradient sums over batch and space.
 */
final class ConvRules {
    private ConvRules() {}

    static void register(Map<String, VjpRule> rules) {
        rules.put("Conv", ConvRules::conv);
    }

    private static void conv(Vjp v) {
        GraphWriter w = v.w();
        String x = v.in(0), k = v.in(1), g = v.grad(0);
        if (!v.attrString("auto_pad", "NOTSET").equals("NOTSET")) throw v.unsupported("auto_pad");
        long[] xs = v.shape(x), ks = v.shape(k), gs = v.shape(g);
        int sp = xs.length - 2;
        long group = v.attrInt("group", 1);
        long[] strides = ShapeInference.orOnes(v.attrInts("strides"), sp), dil = ShapeInference.orOnes(v.attrInts("dilations"), sp);
        long[] pads = v.attrInts("pads");
        if (pads == null) pads = new long[2 * sp];
        if (v.needs(0)) {
            long[] outPad = new long[sp];
            for (int i = 0; i < sp; i++) {
                long base = strides[i] * (gs[i + 2] - 1) + (ks[i + 2] - 1) * dil[i] + 1 - pads[i] - pads[i + sp];
                outPad[i] = xs[i + 2] - base;
                if (outPad[i] < 0 || outPad[i] >= Math.max(strides[i], dil[i])) throw v.unsupported("an input size the transposed convolution cannot give back");
            }
            v.give(0, w.node("ConvTranspose", List.of(g, k), Attr.ints("strides", strides), Attr.ints("dilations", dil), Attr.ints("pads", pads),
                    Attr.ints("output_padding", outPad), Attr.ints("kernel_shape", kernel(ks)), Attr.i("group", group)));
        }
        if (v.needs(1)) {
            if (group != 1) throw v.unsupported("a kernel gradient for a grouped convolution");
            long[] swap = new long[xs.length];
            for (int i = 0; i < swap.length; i++) swap[i] = i;
            swap[0] = 1;
            swap[1] = 0;
            String xt = w.transpose(x, swap), gt = w.transpose(g, swap);
            String full = w.node("Conv", List.of(xt, gt), Attr.ints("strides", dil), Attr.ints("dilations", strides), Attr.ints("pads", pads),
                    Attr.ints("kernel_shape", kernel(gs)));
            long[] fs = w.shape(full);
            List<Long> axes = new ArrayList<>(), ends = new ArrayList<>();
            for (int i = 0; i < sp; i++) if (fs[i + 2] != ks[i + 2]) {
                axes.add((long) i + 2);
                ends.add(ks[i + 2]);
            }
            String cut = axes.isEmpty() ? full : w.node("Slice", List.of(full, w.longs(new long[axes.size()]), w.longs(toArray(ends)), w.longs(toArray(axes))));
            v.give(1, w.transpose(cut, swap));
        }
        if (v.needs(2)) {
            long[] axes = new long[sp + 1];
            for (int i = 1; i <= sp; i++) axes[i] = i + 1;
            v.give(2, w.reduceSum(g, axes, false));
        }
    }

    private static long[] kernel(long[] shape) {
        long[] k = new long[shape.length - 2];
        System.arraycopy(shape, 2, k, 0, k.length);
        return k;
    }

    private static long[] toArray(List<Long> l) {
        return l.stream().mapToLong(Long::longValue).toArray();
    }
}

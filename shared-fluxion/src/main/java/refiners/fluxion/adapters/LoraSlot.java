package refiners.fluxion.adapters;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.WeightedModule;

/**
 * The run-time LoRA branch of one layer: up(down(x)) where down and up are graph inputs fed on every run (context
 * {@value #CONTEXT}), so any set of LoRAs, at any scales, applies without a new session. Several LoRAs share the slot
 * by concatenation along the rank axis, scales folded into up. No LoRA is a rank-1 LoRA of zeros: an exact zero. (Not
 * rank 0: a product over an empty inner dimension is not guaranteed to be written by ONNX Runtime's CPU kernels,
 * which leaves garbage, NaN at times, where zeros belong.)
 */
public class LoraSlot extends Module {
    public static final String CONTEXT = "lora_slots";

    private final String key;
    private final WeightedModule target;
    private Tensor[] none;

    public LoraSlot(String key, WeightedModule target) {
        if (!(target instanceof Linear) && !(target instanceof Conv2d)) throw new IllegalArgumentException("LoRA slots fit Linear and Conv2d layers, not " + target.className());
        this.key = key;
        this.target = target;
    }

    public String key() { return key; }

    public WeightedModule target() { return target; }

    /** The down and up tensors of no LoRA for this layer: rank 1, zeros (made once). */
    public synchronized Tensor[] none() {
        if (none != null) return none;
        if (target instanceof Linear l)
            none = new Tensor[] {Tensor.zeros(refiners.fluxion.DType.F32, 1, l.inFeatures()), Tensor.zeros(refiners.fluxion.DType.F32, l.outFeatures(), 1)};
        else {
            Conv2d c = (Conv2d) target;
            none = new Tensor[] {Tensor.zeros(refiners.fluxion.DType.F32, 1, c.inChannels(), c.kernelSize()[0], c.kernelSize()[1]),
                    Tensor.zeros(refiners.fluxion.DType.F32, c.outChannels(), 1, 1, 1)};
        }
        return none;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("key", key);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        Value down = input(g, ".down"), up = input(g, ".up");
        if (target instanceof Linear) return List.of(x.linear(down, null).linear(up, null));
        Conv2d c = (Conv2d) target;
        int[] k = c.kernelSize(), s = c.stride(), p = c.padding(), d = c.dilation();
        Value h = g.node("Conv", List.of(x, down), List.of(Attr.ints("strides", s[0], s[1]), Attr.ints("pads", p[0], p[1], p[0], p[1]),
                Attr.ints("dilations", d[0], d[1]), Attr.ints("kernel_shape", k[0], k[1])), x.dtype(), new long[] {x.dim(0), -1, -1, -1});
        return List.of(g.node("Conv", List.of(h, up), List.of(Attr.ints("kernel_shape", 1, 1)), x.dtype(),
                new long[] {x.dim(0), c.outChannels(), -1, -1}));
    }

    private Value input(Graph g, String suffix) {
        Object v = g.contexts().getOrNull(CONTEXT, key + suffix);
        if (!(v instanceof Tensor t)) throw new IllegalStateException("LoRA slot " + key + suffix + " has no tensor: feed LoraSlots.feeds(...) through the " + CONTEXT + " context");
        Value in = g.contextInput(CONTEXT, key + suffix, t);
        return in.dtype() == g.computeType() ? in : in.cast(g.computeType());
    }
}

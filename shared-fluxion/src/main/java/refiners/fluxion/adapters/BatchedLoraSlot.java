package refiners.fluxion.adapters;

import java.util.List;
import refiners.fluxion.DType;
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
 * A run-time LoRA branch whose LoRA set is chosen per sample (the S-LoRA / Punica idea): the batch's distinct sets come
 * as down (K, R, in) and up^T (K, R, out) tensors, ranks zero-padded to the largest, and {@value #SET_INDEX} (B,) says
 * which set each sample uses; each sample's down and up are gathered and applied by batched matrix products. Fits a
 * Linear or a 1x1 convolution (a per-pixel linear map); other convolutions keep a {@link LoraSlot} shared by the batch.
 *
 * <p>Why this layout: the rank R is the only dimension that varies with the company, and it is never the N of the first
 * product (down · x^T: M = R, N = tokens) nor split by the second (K = R fits one block), so a sample's output does
 * not depend on the other sets in its batch (tested bit for bit).
 */
public class BatchedLoraSlot extends Module {
    public static final String CONTEXT = "batched_lora_slots";
    /** (B,) int64: the index of each sample's LoRA set along the slots' first axis. */
    public static final String SET_INDEX = "set_index";

    private final String key;
    private final WeightedModule target;

    public BatchedLoraSlot(String key, WeightedModule target) {
        if (!fits(target)) throw new IllegalArgumentException("batched LoRA slots fit Linear layers and 1x1 convolutions, not " + target);
        this.key = key;
        this.target = target;
    }

    /** Linear layers and 1x1 convolutions (stride 1, no padding, one group). */
    public static boolean fits(WeightedModule m) {
        if (m instanceof Linear) return true;
        if (!(m instanceof Conv2d c)) return false;
        int[] k = c.kernelSize(), s = c.stride(), p = c.padding();
        return k[0] == 1 && k[1] == 1 && s[0] == 1 && s[1] == 1 && p[0] == 0 && p[1] == 0 && c.groups() == 1;
    }

    public String key() { return key; }

    public WeightedModule target() { return target; }

    /** Input features (channels of a convolution). */
    public int inFeatures() {
        return target instanceof Linear l ? l.inFeatures() : ((Conv2d) target).inChannels();
    }

    public int outFeatures() {
        return target instanceof Linear l ? l.outFeatures() : ((Conv2d) target).outChannels();
    }

    @Override
    protected void describe(Attributes a) {
        a.add("key", key);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        Value index = g.contextInput(CONTEXT, SET_INDEX, tensor(g, SET_INDEX));
        Value down = input(g, ".down").gather(index, 0), up = input(g, ".up").gather(index, 0); // (B, R, in), (B, R, out)
        long out = outFeatures();
        if (target instanceof Conv2d) {
            Value pixels = x.reshape(0, 0, -1);                                  // (B, C, HW)
            Value h = down.matmul(pixels);                                       // (B, R, HW)
            Value y = up.swap(1, 2).matmul(h);                                   // (B, out, HW)
            return List.of(y.reshape(Value.concat(List.of(x.shapeOf(0, 1), g.constLongs(out), x.shapeOf(2, 4)), 0)));
        }
        Value tokens = switch (x.rank()) {
            case 2 -> x.unsqueeze(1);
            case 3 -> x;
            default -> x.reshape(0, -1, inFeatures());
        };
        Value h = timesTransposed(g, down, tokens, new long[] {x.dim(0), -1, tokens.dim(1)}); // (B, R, T)
        Value y = h.swap(1, 2).matmul(up);                                                      // (B, T, out)
        return List.of(switch (x.rank()) {
            case 2 -> y.squeeze(1);
            case 3 -> y;
            default -> y.reshape(Value.concat(List.of(x.shapeOf(0, x.rank() - 1), g.constLongs(out)), 0));
        });
    }

    /**
     * a · bᵀ over the last two axes: com.microsoft FusedMatMul (no transposed copy is made) where ONNX Runtime's
     * operators are allowed, as Value.linear chooses; a plain MatMul over a transposed view otherwise.
     */
    private static Value timesTransposed(Graph g, Value a, Value b, long[] shape) {
        if (!g.options().onnxRuntimeOperators()) return a.matmul(b.swap(1, 2));
        return g.node("FusedMatMul", "com.microsoft", List.of(a, b), List.of(Attr.i("transB", 1)), a.dtype(), shape);
    }

    private Value input(Graph g, String suffix) {
        Value in = g.contextInput(CONTEXT, key + suffix, tensor(g, key + suffix));
        return in.dtype() == g.computeType() ? in : in.cast(g.computeType());
    }

    private static Tensor tensor(Graph g, String name) {
        Object v = g.contexts().getOrNull(CONTEXT, name);
        if (!(v instanceof Tensor t))
            throw new IllegalStateException("batched LoRA slot input " + name + " has no tensor: feed BatchedLoraSlots.feeds(...) through the " + CONTEXT + " context");
        if (name.equals(SET_INDEX) && t.dtype() != DType.I64) throw new IllegalStateException(CONTEXT + "." + SET_INDEX + " must be int64, not " + t.dtype());
        return t;
    }
}

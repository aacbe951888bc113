package refiners.fluxion.adapters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.WeightedModule;

/**
 * Installs run-time LoRA slots on a model's layers and builds what to feed them for a set of LoRAs: per layer, the
 * LoRAs' down matrices stacked along the rank axis and their up matrices (times their factors) side by side, so one
 * slot computes the sum of all of them.
 */
public final class LoraSlots {
    private final Map<String, LoraSlot> slots;

    LoraSlots(Map<String, LoraSlot> slots) {
        this.slots = slots;
    }

    /** Every Linear and Conv2d layer of the model matching {@code which} gets a slot, keyed by its state-dict path. */
    public static LoraSlots install(Chain model, Predicate<WeightedModule> which) {
        Map<String, LoraSlot> slots = new LinkedHashMap<>();
        targets(model, which).forEach((path, w) -> slots.put(path, (LoraSlot) inject(w, new LoraSlot(path, w.module()))));
        return new LoraSlots(slots);
    }

    /** Every Linear and Conv2d layer matching {@code which}, by its state-dict path, with the chain it sits in. */
    static Map<String, Chain.Walked<WeightedModule>> targets(Chain model, Predicate<WeightedModule> which) {
        Map<String, Chain.Walked<WeightedModule>> targets = new LinkedHashMap<>();
        collect(model, "", which, targets);
        return targets;
    }

    /** Puts {@code slot} beside the layer (in the chain it was found in: a leaf shared by structural copies has one parent field). */
    static Module inject(Chain.Walked<WeightedModule> w, Module slot) {
        new LoraSlotAdapter(w.module(), slot).inject(w.parent());
        return slot;
    }

    private static void collect(Chain c, String prefix, Predicate<WeightedModule> which, Map<String, Chain.Walked<WeightedModule>> out) {
        List<String> names = c.childNames();
        for (int i = 0; i < c.size(); i++) {
            Module m = c.get(i);
            String path = prefix + names.get(i);
            if ((m instanceof Linear || m instanceof Conv2d) && which.test((WeightedModule) m)) out.put(path, new Chain.Walked<>((WeightedModule) m, c));
            else if (m instanceof Chain sub) collect(sub, path + ".", which, out);
        }
    }

    /** Slot keys: the layers' paths in the model before the slots went in. */
    public Set<String> keys() {
        return slots.keySet();
    }

    /** Compile options for a model with slots: slot tensors may change rank between runs without a new session. */
    public static CompileOptions options(CompileOptions base) {
        return base.withFreeShapeContexts(Set.of(LoraSlot.CONTEXT));
    }

    /**
     * The per-call context for a set of LoRA layers (several LoRAs may name the same layer); layers named by none get
     * a rank-1 LoRA of zeros. An unknown target is an error naming it.
     */
    public Map<String, Map<String, Object>> feeds(List<LoraWeights> loras) {
        Map<String, List<LoraWeights>> byTarget = new LinkedHashMap<>();
        for (LoraWeights w : loras) {
            if (!slots.containsKey(w.target())) throw new IllegalArgumentException("no LoRA slot on layer " + w.target());
            byTarget.computeIfAbsent(w.target(), k -> new ArrayList<>()).add(w);
        }
        Map<String, Object> feed = new LinkedHashMap<>();
        slots.forEach((key, slot) -> {
            List<LoraWeights> ws = byTarget.get(key);
            Tensor[] t = ws == null ? slot.none() : stack(ws);
            feed.put(key + ".down", t[0]);
            feed.put(key + ".up", t[1]);
        });
        return Map.of(LoraSlot.CONTEXT, feed);
    }

    /** downs stacked along the rank axis; ups (times their factors) side by side along it. */
    private static Tensor[] stack(List<LoraWeights> ws) {
        Tensor down = ws.size() == 1 && ws.get(0).down().dtype() == DType.F32 ? ws.get(0).down() // no copy
                : Tensors.concat(ws.stream().map(w -> w.down().to(DType.F32)).toList());
        long[] upShape = ws.get(0).up().shape();
        int out = (int) upShape[0], total = 0;
        for (LoraWeights w : ws) total += w.rank();
        float[] up = new float[out * total];
        int offset = 0;
        for (LoraWeights w : ws) {
            int r = w.rank();
            float[] u = w.up().to(DType.F32).toFloatArray(); // (out, r[, 1, 1]) row-major
            float f = (float) w.factor();
            for (int o = 0, src = 0, dst = offset; o < out; o++, dst += total)
                for (int j = 0; j < r; j++) up[dst + j] = u[src++] * f;
            offset += r;
        }
        upShape[1] = total;
        java.nio.ByteBuffer bytes = Tensor.allocate(4L * up.length);
        bytes.asFloatBuffer().put(up);
        return new Tensor[] {down, new Tensor(DType.F32, upShape, bytes)};
    }
}

package refiners.fluxion.adapters;

import java.nio.ByteBuffer;
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
import refiners.fluxion.layers.WeightedModule;

/**
 * Run-time LoRA slots for batches that mix LoRA sets: a {@link BatchedLoraSlot} on every chosen Linear and 1x1
 * convolution (each sample gets its own set), a {@link LoraSlot} on the other convolutions (one set for the whole
 * batch: ONNX's Conv has no per-sample weights, and a grouped convolution would need the batch size in the graph).
 * So samples whose sets differ only on Linear/1x1 layers — what kohya, diffusers and refiners LoRAs of SD1 touch —
 * share a call; sets with weights on larger convolutions (LoCon) share it only with sets that agree there
 * ({@link Prepared#sharedWeights}).
 */
public final class BatchedLoraSlots {
    private final Map<String, BatchedLoraSlot> batched;
    private final LoraSlots shared;

    private BatchedLoraSlots(Map<String, BatchedLoraSlot> batched, LoraSlots shared) {
        this.batched = batched;
        this.shared = shared;
    }

    /** Every Linear and Conv2d layer of the model matching {@code which} gets a slot, keyed by its state-dict path. */
    public static BatchedLoraSlots install(Chain model, Predicate<WeightedModule> which) {
        Map<String, BatchedLoraSlot> batched = new LinkedHashMap<>();
        Map<String, LoraSlot> shared = new LinkedHashMap<>();
        LoraSlots.targets(model, which).forEach((path, w) -> {
            if (BatchedLoraSlot.fits(w.module())) batched.put(path, (BatchedLoraSlot) LoraSlots.inject(w, new BatchedLoraSlot(path, w.module())));
            else shared.put(path, (LoraSlot) LoraSlots.inject(w, new LoraSlot(path, w.module())));
        });
        return new BatchedLoraSlots(batched, new LoraSlots(shared));
    }

    /** Compile options for a model with these slots: ranks and the number of sets may change without a new session. */
    public static CompileOptions options(CompileOptions base) {
        return base.withFreeShapeContexts(Set.of(LoraSlot.CONTEXT, BatchedLoraSlot.CONTEXT));
    }

    /**
     * One LoRA set made ready for batches: per batched layer its downs stacked along the rank axis (r, in) and its ups
     * transposed, times their factors (r, out); the feeds of the shared slots, and the weights they hold.
     */
    public record Prepared(Map<String, Tensor[]> blocks, List<LoraWeights> sharedWeights, Map<String, Object> sharedFeeds) {}

    /** Prepares a set of LoRA layers (several LoRAs may name the same layer); an unknown target is an error naming it. */
    public Prepared prepare(List<LoraWeights> set) {
        Map<String, List<LoraWeights>> byTarget = new LinkedHashMap<>();
        List<LoraWeights> sharedWeights = new ArrayList<>();
        for (LoraWeights w : set) {
            if (batched.containsKey(w.target())) byTarget.computeIfAbsent(w.target(), k -> new ArrayList<>()).add(w);
            else if (shared.keys().contains(w.target())) sharedWeights.add(w);
            else throw new IllegalArgumentException("no LoRA slot on layer " + w.target());
        }
        Map<String, Tensor[]> blocks = new LinkedHashMap<>();
        byTarget.forEach((key, ws) -> blocks.put(key, block(batched.get(key), ws)));
        return new Prepared(blocks, List.copyOf(sharedWeights), shared.feeds(sharedWeights).get(LoraSlot.CONTEXT));
    }

    private static Tensor[] block(BatchedLoraSlot slot, List<LoraWeights> ws) {
        int in = slot.inFeatures(), out = slot.outFeatures(), rank = 0;
        for (LoraWeights w : ws) rank += w.rank();
        Tensor down = Tensors.concat(ws.stream().map(w -> w.down().to(DType.F32).reshape(w.rank(), in)).toList());
        float[] upT = new float[rank * out];
        int offset = 0;
        for (LoraWeights w : ws) {
            int r = w.rank();
            float[] u = w.up().to(DType.F32).toFloatArray(); // (out, r[, 1, 1]) row-major
            float f = (float) w.factor();
            for (int o = 0; o < out; o++)
                for (int j = 0; j < r; j++) upT[(offset + j) * out + o] = u[o * r + j] * f;
            offset += r;
        }
        return new Tensor[] {down, Tensor.ofFloats(new long[] {rank, out}, upT)};
    }

    /**
     * The per-call contexts of a batch: {@code sets} are its distinct prepared sets, {@code setIndex} the set of each
     * sample. The sets must agree on the shared (convolution) slots.
     */
    public Map<String, Map<String, Object>> feeds(List<Prepared> sets, long[] setIndex) {
        for (long i : setIndex) if (i < 0 || i >= sets.size()) throw new IndexOutOfBoundsException("set index " + i + " of " + sets.size() + " sets");
        return withSetIndex(feeds(sets), setIndex);
    }

    /** The slot tensors of a batch whose distinct sets are {@code sets}, without the set index (reusable across batches). */
    public Map<String, Map<String, Object>> feeds(List<Prepared> sets) {
        for (Prepared p : sets)
            if (!p.sharedWeights().equals(sets.get(0).sharedWeights()))
                throw new IllegalArgumentException("LoRA sets that differ on convolution layers (shared slots) cannot share a batch");
        Map<String, Object> feed = new LinkedHashMap<>();
        batched.forEach((key, slot) -> {
            List<Tensor[]> parts = sets.stream().map(p -> p.blocks().get(key)).toList();
            feed.put(key + ".down", pad(parts, 0, slot.inFeatures()));
            feed.put(key + ".up", pad(parts, 1, slot.outFeatures()));
        });
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        out.put(BatchedLoraSlot.CONTEXT, feed);
        if (!shared.keys().isEmpty()) out.put(LoraSlot.CONTEXT, sets.get(0).sharedFeeds());
        return out;
    }

    /** {@code feeds} with each sample's set index added. */
    public static Map<String, Map<String, Object>> withSetIndex(Map<String, Map<String, Object>> feeds, long[] setIndex) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>(feeds);
        Map<String, Object> batched = new LinkedHashMap<>(feeds.get(BatchedLoraSlot.CONTEXT));
        batched.put(BatchedLoraSlot.SET_INDEX, Tensor.ofLongs(new long[] {setIndex.length}, setIndex));
        out.put(BatchedLoraSlot.CONTEXT, batched);
        return out;
    }

    /**
     * (K, R, width): each set's (r, width) block, zero rows up to the largest rank R, and R at least 2. Not 1: a
     * one-row product takes another ONNX Runtime kernel (MLAS's M = 1 path), so a rank-1 set alone would not match it
     * in company. Not 0: ONNX Runtime 1.24's com.microsoft FusedMatMul with transA over an empty K (which its
     * optimizer also makes of Transpose + MatMul) leaves its output uninitialised (measured), where rank 2 of zeros
     * gives exact zeros at the cost of two thin products per layer.
     */
    private static Tensor pad(List<Tensor[]> parts, int which, int width) {
        int rank = 2;
        for (Tensor[] p : parts) if (p != null) rank = Math.max(rank, (int) p[which].dim(0));
        if (parts.size() == 1 && parts.get(0) != null && parts.get(0)[which].dim(0) == rank)
            return parts.get(0)[which].reshape(1, rank, width); // no copy
        ByteBuffer b = Tensor.allocate(4L * parts.size() * rank * width); // zeros
        for (int k = 0; k < parts.size(); k++) {
            if (parts.get(k) == null) continue;
            b.position(k * rank * width * 4);
            b.put(parts.get(k)[which].data());
        }
        b.clear();
        return new Tensor(DType.F32, new long[] {parts.size(), rank, width}, b);
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import refiners.fluxion.adapters.BatchedLoraSlots;
import refiners.fluxion.adapters.LoraWeights;
import refiners.fluxion.layers.Chain;

/**
 * A UNet's batched LoRA slots with the LoRA sets of recent generations prepared, and the slot feeds of recent batch
 * compositions (the distinct sets of a batch, in a fixed order): a batch whose composition repeats costs a lookup.
 * Without a LoRA source the model has no slots and only the empty set is accepted.
 */
final class BatchedLoraFeeds {
    private static final int CACHED_SETS = 16;
    private static final int CACHED_COMPOSITIONS = 8;

    private final BatchedLoraSlots slots;
    private final Function<List<GenerationRequest.LoraWeight>, List<LoraWeights>> weights;
    private final Map<List<GenerationRequest.LoraWeight>, BatchedLoraSlots.Prepared> sets = lru(CACHED_SETS);
    private final Map<List<List<GenerationRequest.LoraWeight>>, Map<String, Map<String, Object>>> compositions = lru(CACHED_COMPOSITIONS);

    /** @param weights the LoRA layers of a set for this model (null: no LoRAs, no slots installed) */
    BatchedLoraFeeds(Chain model, Function<List<GenerationRequest.LoraWeight>, List<LoraWeights>> weights) {
        this.weights = weights;
        this.slots = weights == null ? null : BatchedLoraSlots.install(model, l -> true);
    }

    private static <K, V> Map<K, V> lru(int size) {
        return Collections.synchronizedMap(new LinkedHashMap<>(size, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> e) {
                return size() > size;
            }
        });
    }

    boolean hasSlots() {
        return slots != null;
    }

    /** A set, prepared (resolved and checked now: an unknown LoRA fails when the generation opens, not at its first step). */
    BatchedLoraSlots.Prepared prepare(List<GenerationRequest.LoraWeight> set) {
        if (slots == null) {
            if (!set.isEmpty()) throw new IllegalArgumentException("LoRAs requested but no LoRA library is configured");
            return null;
        }
        BatchedLoraSlots.Prepared p = sets.get(set);
        if (p == null) {
            p = slots.prepare(weights.apply(set));
            sets.put(List.copyOf(set), p);
        }
        return p;
    }

    /** The per-call contexts for a batch whose distinct sets are {@code distinct}, sample i using distinct[setIndex[i]]. */
    Map<String, Map<String, Object>> feeds(List<List<GenerationRequest.LoraWeight>> distinct, long[] setIndex) {
        if (slots == null) return Map.of();
        Map<String, Map<String, Object>> f = compositions.get(distinct);
        if (f == null) {
            f = slots.feeds(distinct.stream().map(this::prepare).toList());
            compositions.put(List.copyOf(distinct), f);
        }
        return BatchedLoraSlots.withSetIndex(f, setIndex);
    }

    void clear() {
        sets.clear();
        compositions.clear();
    }
}

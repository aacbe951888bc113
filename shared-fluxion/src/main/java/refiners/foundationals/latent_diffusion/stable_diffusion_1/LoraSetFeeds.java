package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import refiners.fluxion.adapters.LoraSlots;
import refiners.fluxion.adapters.LoraWeights;
import refiners.fluxion.layers.Chain;

/**
 * A model's run-time LoRA slots and the slot feeds of recently used LoRA sets: each set is built once, so switching
 * between sets costs a lookup. Without a LoRA source the model has no slots and only the empty set is accepted.
 */
final class LoraSetFeeds {
    private static final int CACHED_SETS = 16;

    private final LoraSlots slots;
    private final Function<List<GenerationRequest.LoraWeight>, List<LoraWeights>> weights;
    private final Map<List<GenerationRequest.LoraWeight>, Map<String, Map<String, Object>>> cache = Collections.synchronizedMap(
            new LinkedHashMap<>(CACHED_SETS, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<List<GenerationRequest.LoraWeight>, Map<String, Map<String, Object>>> e) {
                    return size() > CACHED_SETS;
                }
            });

    /** @param weights the LoRA layers of a set for this model (null: no LoRAs, no slots installed) */
    LoraSetFeeds(Chain model, Function<List<GenerationRequest.LoraWeight>, List<LoraWeights>> weights) {
        this.weights = weights;
        this.slots = weights == null ? null : LoraSlots.install(model, l -> true);
    }

    boolean hasSlots() {
        return slots != null;
    }

    /** The per-call context of a LoRA set (empty for none). */
    Map<String, Map<String, Object>> feeds(List<GenerationRequest.LoraWeight> set) {
        if (slots == null) {
            if (!set.isEmpty()) throw new IllegalArgumentException("LoRAs requested but no LoRA library is configured");
            return Map.of();
        }
        Map<String, Map<String, Object>> f = cache.get(set);
        if (f == null) {
            f = slots.feeds(weights.apply(set));
            cache.put(List.copyOf(set), f);
        }
        return f;
    }

    void clear() {
        cache.clear();
    }
}

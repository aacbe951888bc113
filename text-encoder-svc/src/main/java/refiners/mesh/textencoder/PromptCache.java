package refiners.mesh.textencoder;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;

/**
 * The embeddings of recently encoded prompts, least recently used out first. Nearly every generation also encodes its
 * negative prompt, and most share one ("" or a house style): served from here, CLIP runs once per generation instead of
 * twice. A row is the same whichever call computed it (CLIP's rows are independent of their batch mates, tested), so a
 * hit returns exactly the bits a call would; the key is the model family and the prompt with the LoRA set applied to the text encoder (a
 * LoRA name means one file for the life of the process: LoraLibrary keeps what it loaded). Capacity 0 turns it off.
 */
final class PromptCache {
    record Key(String model, String prompt, List<LoraWeight> loras) {}

    private final Map<Key, List<Tensor>> rows;
    private final Counter hits;
    private final Counter misses;

    PromptCache(int capacity, MeterRegistry registry) {
        this.rows = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, List<Tensor>> eldest) {
                return size() > capacity;
            }
        };
        this.hits = Counter.builder("refiners.prompt.cache").tag("result", "hit").description("prompts served from the embedding cache").register(registry);
        this.misses = Counter.builder("refiners.prompt.cache").tag("result", "miss").description("prompts sent to CLIP").register(registry);
    }

    /** A prompt's rows, the (1, 77, 768) embedding (SDXL: (1, 77, 2048) and the pooled (1, 1280)), or null. */
    synchronized List<Tensor> get(Key key) {
        List<Tensor> row = rows.get(key);
        (row == null ? misses : hits).increment();
        return row;
    }

    synchronized void put(Key key, List<Tensor> row) {
        rows.put(key, row); // at capacity 0 it leaves again at once
    }
}

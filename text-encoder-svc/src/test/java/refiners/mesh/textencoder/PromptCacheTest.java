package refiners.mesh.textencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;

class PromptCacheTest {
    static PromptCache.Key key(String prompt) {
        return new PromptCache.Key("sd15", prompt, List.of());
    }

    @Test
    void keepsTheMostRecentlyUsedPromptsAndCountsHitsAndMisses() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PromptCache cache = new PromptCache(2, registry);
        List<Tensor> a = List.of(Tensor.ofFloats(new long[] {1}, 1f)), b = List.of(Tensor.ofFloats(new long[] {1}, 2f)), c = List.of(Tensor.ofFloats(new long[] {1}, 3f));
        cache.put(key("a"), a);
        cache.put(key("b"), b);
        assertSame(a, cache.get(key("a")));
        cache.put(key("c"), c);
        assertNull(cache.get(key("b")), "the least recently used goes first");
        assertSame(a, cache.get(key("a")));
        assertSame(c, cache.get(key("c")));
        assertNull(cache.get(new PromptCache.Key("sd15", "a", List.of(new LoraWeight("style", 1)))), "another LoRA set is another key");
        assertNull(cache.get(new PromptCache.Key("sdxl", "a", List.of())), "another model family is another key");
        assertEquals(3, registry.get("refiners.prompt.cache").tag("result", "hit").counter().count());
        assertEquals(3, registry.get("refiners.prompt.cache").tag("result", "miss").counter().count());
    }

    @Test
    void capacityZeroKeepsNothing() {
        PromptCache cache = new PromptCache(0, new SimpleMeterRegistry());
        cache.put(key("a"), List.of(Tensor.ofFloats(new long[] {1}, 1f)));
        assertNull(cache.get(key("a")));
    }
}

package refiners.fluxion.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.compile.Value;

/** Self-attention over the pixels of a (B, C, H, W) tensor, seen as a sequence of H*W channel vectors. */
public class SelfAttention2d extends SelfAttention {
    private final int channels;

    public SelfAttention2d(int channels) {
        this(channels, 1, true, false);
    }

    public SelfAttention2d(int channels, int numHeads, boolean useBias, boolean isCausal) {
        super(channels, channels, numHeads, useBias, isCausal);
        this.channels = channels;
        insert(0, new Lambda("_tensor_2d_to_sequence(x: torch.Tensor) -> torch.Tensor", (g, args) -> {
            Value x = single(this, args);
            g.contexts().set("reshape", "sizes", x.shapeOf(2, 4));
            return List.of(x.flatten(2, 3).swap(1, 2));
        }));
        append(new Lambda("_sequence_to_tensor_2d(x: torch.Tensor) -> torch.Tensor", (g, args) -> {
            Value x = single(this, args).swap(1, 2);
            Value sizes = (Value) g.contexts().get("reshape", "sizes");
            return List.of(x.reshape(Value.concat(List.of(x.shapeOf(0, 2), sizes), 0)));
        }));
    }

    @Override
    public Map<String, Map<String, Object>> initContext() {
        Map<String, Map<String, Object>> c = new LinkedHashMap<>();
        c.put("reshape", new LinkedHashMap<>());
        return c;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("channels", channels).addIfNot("num_heads", numHeads, 1).addIfNot("use_bias", useBias, true).addIfNot("is_causal", isCausal, false);
    }
}

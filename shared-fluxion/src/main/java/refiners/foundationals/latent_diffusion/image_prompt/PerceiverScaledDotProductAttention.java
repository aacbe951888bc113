package refiners.foundationals.latent_diffusion.image_prompt;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.ScaledDotProductAttention;

/**
 * (key_value (B, L, 2E), query (B, T, E)) -> (B, T, E): multi-head attention with keys and values chunked from one
 * projection. IP-Adapter's resampler scales q and k each by head_dim^-1/4 before their product ("more stable in f16"),
 * which is what {@link ScaledDotProductAttention} computes, so it lowers through it.
 */
public class PerceiverScaledDotProductAttention extends Module {
    private final int numHeads;
    private final ScaledDotProductAttention attention;

    public PerceiverScaledDotProductAttention(int numHeads) {
        this.numHeads = numHeads;
        this.attention = new ScaledDotProductAttention(numHeads, false);
    }

    @Override
    protected void describe(Attributes a) {
        a.add("num_heads", numHeads);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        if (args.size() != 2) throw new IllegalArgumentException("PerceiverScaledDotProductAttention takes (key_value, query), got " + args.size() + " inputs");
        Value keyValue = args.get(0), query = args.get(1);
        long width = keyValue.dim(-1);
        if (width < 0 || width % 2 != 0) throw new IllegalArgumentException("key_value's last dimension must be static and even");
        return attention.lower(g, List.of(query, keyValue.slice(-1, 0, width / 2, 1), keyValue.slice(-1, width / 2, width, 1)));
    }
}

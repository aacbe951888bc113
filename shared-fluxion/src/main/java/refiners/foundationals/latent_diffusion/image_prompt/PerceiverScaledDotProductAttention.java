package refiners.foundationals.latent_diffusion.image_prompt;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Module;

/**
 * (key_value (B, L, 2E), query (B, T, E)) -> (B, T, E): multi-head attention with keys and values chunked from one
 * projection, q and k each scaled by head_dim^-1/4 before their product (IP-Adapter's resampler: "more stable in f16").
 */
public class PerceiverScaledDotProductAttention extends Module {
    private final int headDim;
    private final int numHeads;

    public PerceiverScaledDotProductAttention(int headDim, int numHeads) {
        this.headDim = headDim;
        this.numHeads = numHeads;
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
        double scale = 1 / Math.sqrt(Math.sqrt(headDim));
        Value q = heads(query).mul(scale);
        Value k = heads(keyValue.slice(-1, 0, width / 2, 1)).mul(scale);
        Value v = heads(keyValue.slice(-1, width / 2, width, 1));
        Value out = q.matmul(k.transpose(0, 1, 3, 2)).softmax(-1).matmul(v);
        return List.of(out.transpose(0, 2, 1, 3).reshape(0, 0, -1));
    }

    /** (B, L, H * d) -> (B, H, L, d). */
    private Value heads(Value x) {
        return x.reshape(0, 0, numHeads, -1).transpose(0, 2, 1, 3);
    }
}

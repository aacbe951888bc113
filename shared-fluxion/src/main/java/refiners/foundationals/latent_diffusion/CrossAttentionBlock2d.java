package refiners.foundationals.latent_diffusion;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.GroupNorm;
import refiners.fluxion.layers.Identity;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.Parallel;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.Transpose;
import refiners.fluxion.layers.Unflatten;
import refiners.fluxion.layers.UseContext;

/**
 * Cross-attention blocks applied to a feature map, residually: GroupNorm and a projection (1x1 conv, or Linear after
 * flattening), the map flattened to a sequence of pixels, the CrossAttentionBlocks, then back to a map and projected.
 * The spatial size travels through the "flatten" context.
 */
public class CrossAttentionBlock2d extends Residual {
    private final int channels;
    private final int contextEmbeddingDim;
    private final String contextKey;
    private final int numAttentionHeads;
    private final int numAttentionLayers;
    private final int numGroups;
    private final boolean useBias;
    private final boolean useLinearProjection;

    public int contextEmbeddingDim() {
        return contextEmbeddingDim;
    }

    public CrossAttentionBlock2d(int channels, int contextEmbeddingDim, String contextKey, int numAttentionHeads,
                                 int numAttentionLayers, int numGroups, boolean useBias, boolean useLinearProjection) {
        super(inBlock(channels, numGroups, useLinearProjection),
                attentionLayers(channels, contextEmbeddingDim, contextKey, numAttentionHeads, numAttentionLayers, useBias),
                outBlock(channels, useLinearProjection));
        if (channels % numAttentionHeads != 0) throw new IllegalArgumentException("in_channels must be divisible by num_attention_heads");
        this.channels = channels;
        this.contextEmbeddingDim = contextEmbeddingDim;
        this.contextKey = contextKey;
        this.numAttentionHeads = numAttentionHeads;
        this.numAttentionLayers = numAttentionLayers;
        this.numGroups = numGroups;
        this.useBias = useBias;
        this.useLinearProjection = useLinearProjection;
    }

    private static Chain inBlock(int channels, int numGroups, boolean linear) {
        GroupNorm norm = new GroupNorm(channels, numGroups, 1e-6);
        StatefulFlatten flatten = new StatefulFlatten("flatten", "sizes", 2);
        return linear
                ? new Chain(norm, flatten, new Transpose(1, 2), new Linear(channels, channels))
                : new Chain(norm, new Conv2d(channels, channels, 1), flatten, new Transpose(1, 2));
    }

    private static Chain attentionLayers(int channels, int contextEmbeddingDim, String contextKey, int numHeads, int layers, boolean useBias) {
        List<Module> blocks = new ArrayList<>();
        for (int i = 0; i < layers; i++) blocks.add(new CrossAttentionBlock(channels, contextEmbeddingDim, contextKey, numHeads, useBias));
        return new Chain(blocks);
    }

    private static Chain outBlock(int channels, boolean linear) {
        Parallel withSizes = new Parallel(new Identity(), new UseContext("flatten", "sizes").compose(CrossAttentionBlock2d::popLast));
        return linear
                ? new Chain(new Linear(channels, channels), new Transpose(1, 2), withSizes, new Unflatten(2))
                : new Chain(new Transpose(1, 2), withSizes, new Unflatten(2), new Conv2d(channels, channels, 1));
    }

    @SuppressWarnings("unchecked")
    private static Value popLast(Object sizes) {
        List<Value> l = (List<Value>) sizes;
        if (l.isEmpty()) throw new IllegalStateException("context flatten.sizes is empty: no StatefulFlatten ran before this Unflatten");
        return l.remove(l.size() - 1);
    }

    public int channels() { return channels; }

    @Override
    public Map<String, Map<String, Object>> initContext() {
        Map<String, Map<String, Object>> c = new LinkedHashMap<>();
        Map<String, Object> flatten = new LinkedHashMap<>();
        flatten.put("sizes", new ArrayList<Value>());
        c.put("flatten", flatten);
        return c;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("channels", channels).add("context_embedding_dim", contextEmbeddingDim).add("context_key", contextKey)
                .addIfNot("num_attention_heads", numAttentionHeads, 1).addIfNot("num_attention_layers", numAttentionLayers, 1)
                .addIfNot("num_groups", numGroups, 32).addIfNot("use_bias", useBias, true)
                .addIfNot("use_linear_projection", useLinearProjection, false);
    }
}

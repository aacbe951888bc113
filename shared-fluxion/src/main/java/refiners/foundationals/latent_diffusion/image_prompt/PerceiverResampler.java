package refiners.foundationals.latent_diffusion.image_prompt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.SetContext;

/**
 * IP-Adapter Plus' projection: the CLIP image encoder's penultimate hidden states (B, 257, input_dim) resampled by
 * num_tokens learned queries through num_attention_layers perceiver layers (B, num_tokens, output_dim).
 */
public class PerceiverResampler extends Chain {
    static final String CONTEXT = "perceiver_resampler";

    private final int latentsDim;
    private final int numAttentionLayers;
    private final int numAttentionHeads;
    private final int headDim;
    private final int numTokens;
    private final int inputDim;
    private final int outputDim;

    public PerceiverResampler(int latentsDim, int numAttentionLayers, int numAttentionHeads, int headDim, int numTokens, int inputDim, int outputDim) {
        super(new Linear(inputDim, latentsDim),
                new SetContext(CONTEXT, "x"),
                new LatentsToken(numTokens, latentsDim),
                new Transformer(layers(latentsDim, numAttentionLayers, numAttentionHeads, headDim)),
                new Linear(latentsDim, outputDim),
                new LayerNorm(outputDim));
        this.latentsDim = latentsDim;
        this.numAttentionLayers = numAttentionLayers;
        this.numAttentionHeads = numAttentionHeads;
        this.headDim = headDim;
        this.numTokens = numTokens;
        this.inputDim = inputDim;
        this.outputDim = outputDim;
    }

    private static List<TransformerLayer> layers(int latentsDim, int n, int heads, int headDim) {
        List<TransformerLayer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new TransformerLayer(latentsDim, headDim, heads, 4 * latentsDim));
        return out;
    }

    public int numTokens() {
        return numTokens;
    }

    @Override
    public Map<String, Map<String, Object>> initContext() {
        Map<String, Map<String, Object>> c = new LinkedHashMap<>();
        c.put(CONTEXT, new LinkedHashMap<>());
        return c;
    }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("latents_dim", latentsDim, 1024).addIfNot("num_attention_layers", numAttentionLayers, 8)
                .addIfNot("num_attention_heads", numAttentionHeads, 16).addIfNot("head_dim", headDim, 64)
                .addIfNot("num_tokens", numTokens, 8).addIfNot("input_dim", inputDim, 768).addIfNot("output_dim", outputDim, 1024);
    }
}

package refiners.foundationals.clip;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Converter;
import refiners.fluxion.layers.GeLU;
import refiners.fluxion.layers.GeLUApproximation;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.Sum;
import refiners.fluxion.runtime.Runner;

/**
 * CLIP's text transformer: tokenizer, token + position embeddings, causal transformer layers, final layer norm.
 * Prompts are tokenized on the host ({@link #encode}); the compiled graph starts from the (N, 77) ids, so
 * {@code forward(ids)} runs the model on I64 token ids (e.g. {@code tokenizer().tokenize(prompts)}).
 */
public class CLIPTextEncoder extends Chain {
    public CLIPTextEncoder(int embeddingDim, int maxSequenceLength, int vocabularySize, int numLayers, int numAttentionHeads,
                           int feedforwardDim, double layerNormEps, boolean useQuickGelu) {
        this(embeddingDim, maxSequenceLength, vocabularySize, numLayers, numAttentionHeads, feedforwardDim, layerNormEps,
                useQuickGelu, new CLIPTokenizer());
    }

    public CLIPTextEncoder(int embeddingDim, int maxSequenceLength, int vocabularySize, int numLayers, int numAttentionHeads,
                           int feedforwardDim, double layerNormEps, boolean useQuickGelu, CLIPTokenizer tokenizer) {
        super(layers(tokenizer, embeddingDim, maxSequenceLength, vocabularySize, numLayers, numAttentionHeads, feedforwardDim, layerNormEps, useQuickGelu));
        if (useQuickGelu) {
            for (Walked<GeLU> w : walk(GeLU.class, true)) w.parent().replace(w.module(), new GeLU(GeLUApproximation.SIGMOID));
        }
    }

    private static List<Module> layers(CLIPTokenizer tokenizer, int d, int maxLen, int vocab, int numLayers, int heads, int ff, double eps, boolean quick) {
        List<Module> l = new java.util.ArrayList<>();
        l.add(tokenizer);
        l.add(new Converter(true, false));
        l.add(new Sum(new TokenEncoder(vocab, d), new PositionalEncoder(maxLen, d)));
        for (int i = 0; i < numLayers; i++) l.add(new TransformerLayer(d, ff, heads, eps, quick));
        l.add(new LayerNorm(d, eps));
        return l;
    }

    public CLIPTokenizer tokenizer() {
        return (CLIPTokenizer) get(0);
    }

    /** (N, 77, D) embeddings of the prompts, encoded in one batch on the shared runner. */
    public Tensor encode(List<String> prompts) {
        return encode(prompts, CompileOptions.defaults());
    }

    public Tensor encode(List<String> prompts, CompileOptions options) {
        return Runner.shared().run(this, options, List.of(tokenizer().tokenize(prompts))).output();
    }
}

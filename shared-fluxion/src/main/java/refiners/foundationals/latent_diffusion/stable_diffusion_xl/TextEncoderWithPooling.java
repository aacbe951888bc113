package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.DType;
import refiners.fluxion.adapters.Adapter;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Identity;
import refiners.fluxion.layers.Lambda;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Parallel;
import refiners.fluxion.layers.SetContext;
import refiners.foundationals.clip.CLIPTextEncoderG;
import refiners.foundationals.clip.CLIPTokenizer;

/**
 * Adapts CLIPTextEncoderG to give, besides its penultimate hidden states (N, 77, 1280), the pooled embedding
 * (N, 1280): the last layer, the final LayerNorm and a bias-free projection, read at each prompt's end-of-text position
 * (found from the tokens, kept in context text_encoder_pooling.end_of_text_index).
 */
public class TextEncoderWithPooling extends Chain implements Adapter<CLIPTextEncoderG> {
    static final String CONTEXT = "text_encoder_pooling";

    private final CLIPTextEncoderG target;

    public TextEncoderWithPooling(CLIPTextEncoderG target, Linear projection) {
        super(layers(target, projection));
        this.target = target;
    }

    private static List<refiners.fluxion.layers.Module> layers(CLIPTextEncoderG target, Linear projection) {
        CLIPTokenizer tokenizer = target.tokenizer();
        long endOfText = tokenizer.endOfTextTokenId();
        return List.of(tokenizer,
                new SetContext(CONTEXT, "end_of_text_index", (indices, tokens) -> list(indices).add(endOfTextIndex(tokens, endOfText))),
                target.slice(1, -2),
                new Parallel(new Identity(), new Chain(
                        target.slice(-2, target.size()),
                        projection != null ? projection : new Linear(1280, 1280, false),
                        new Lambda("pool(x: torch.Tensor) -> torch.Tensor", TextEncoderWithPooling::pool))));
    }

    @SuppressWarnings("unchecked")
    private static List<Value> list(Object contextValue) {
        return (List<Value>) contextValue;
    }

    /** (N, 1) position of the first end-of-text token of each row. */
    private static Value endOfTextIndex(Value tokens, long endOfText) {
        Graph g = tokens.graph();
        Value isEnd = g.node("Equal", List.of(tokens, g.constLongs(endOfText)), List.of(), DType.BOOL, tokens.shape()).cast(DType.F32);
        return g.node("ArgMax", List.of(isEnd), List.of(Attr.i("axis", 1), Attr.i("keepdims", 1)), DType.I64, new long[] {tokens.dim(0), 1});
    }

    /** (N, 77, D) -> (N, D): each row's vector at its end-of-text position. */
    private static List<Value> pool(Graph g, List<Value> args) {
        Value x = single(null, args);
        List<Value> indices = list(g.contexts().get(CONTEXT, "end_of_text_index"));
        if (indices.isEmpty()) throw new IllegalStateException("End of text index not found.");
        Value index = indices.get(indices.size() - 1).unsqueeze(2)
                .expand(Value.concat(List.of(x.shapeOf(0, 1), g.constLongs(1), x.shapeOf(2, 3)), 0));
        Value picked = g.node("GatherElements", List.of(x, index), List.of(Attr.i("axis", 1)), x.dtype(), new long[] {x.dim(0), 1, x.dim(2)});
        return List.of(picked.squeeze(1));
    }

    @Override
    public CLIPTextEncoderG target() {
        return target;
    }

    public CLIPTokenizer tokenizer() {
        return (CLIPTokenizer) get(0);
    }

    @Override
    public Map<String, Map<String, Object>> initContext() {
        Map<String, Map<String, Object>> c = new LinkedHashMap<>();
        Map<String, Object> pooling = new LinkedHashMap<>();
        pooling.put("end_of_text_index", new ArrayList<Value>());
        c.put(CONTEXT, pooling);
        return c;
    }
}

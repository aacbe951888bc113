package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Lambda;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Parallel;
import refiners.fluxion.runtime.RunResult;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.clip.CLIPTextEncoderG;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.clip.CLIPTokenizer;

/**
 * SDXL's text encoders: CLIP-L and OpenCLIP-G side by side on the same prompts, their penultimate hidden states joined
 * on the feature axis (N, 77, 768 + 1280), plus G's pooled embedding (N, 1280). The compiled graph takes CLIP-L's
 * token ids ({@link #tokenizer}); G's tokenizer re-pads them its own way in the graph.
 */
public class DoubleTextEncoder extends Chain {
    public DoubleTextEncoder() {
        this(new CLIPTextEncoderL(), new CLIPTextEncoderG(), null);
    }

    public DoubleTextEncoder(CLIPTextEncoderL textEncoderL, CLIPTextEncoderG textEncoderG, Linear projection) {
        super(new Parallel(textEncoderL.slice(0, -2), textEncoderG),
                new Lambda("concatenate_embeddings(text_embedding_l: torch.Tensor, text_embedding_with_pooling: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]",
                        (g, args) -> List.of(Value.concat(List.of(args.get(0), args.get(1)), -1), args.get(2))));
        new TextEncoderWithPooling(textEncoderG, projection).inject((Chain) get("Parallel"));
    }

    /** CLIP-L's tokenizer: its (N, 77) ids are the graph's input. */
    public CLIPTokenizer tokenizer() {
        return (CLIPTokenizer) ((Chain) ((Chain) get("Parallel")).get(0)).get(0);
    }

    /** The (N, 77, 2048) text embedding and the (N, 1280) pooled embedding of the prompts, in one batch. */
    public List<Tensor> encode(List<String> prompts) {
        return encode(prompts, CompileOptions.defaults());
    }

    public List<Tensor> encode(List<String> prompts, CompileOptions options) {
        RunResult r = Runner.shared().run(this, options, List.of(tokenizer().tokenize(prompts)));
        return r.outputs();
    }
}

package refiners.foundationals.latent_diffusion.image_prompt;

import java.util.List;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Distribute;
import refiners.fluxion.layers.GetArg;
import refiners.fluxion.layers.Lambda;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Parallel;

/**
 * (image features x, latents) -> latents' attention over [x; latents]: both normalised, keys and values projected from
 * their concatenation along the tokens, queries from the latents; no biases.
 */
public class PerceiverAttention extends Chain {
    private final int embeddingDim;
    private final int headDim;

    public PerceiverAttention(int embeddingDim, int headDim, int numHeads) {
        super(new Distribute(new LayerNorm(embeddingDim), new LayerNorm(embeddingDim)),
                new Parallel(
                        new Chain(new Lambda("to_kv(x: torch.Tensor, latents: torch.Tensor) -> torch.Tensor",
                                (g, args) -> List.of(Value.concat(List.of(args.get(0), args.get(1)), -2))),
                                new Linear(embeddingDim, 2 * headDim * numHeads, false)),
                        new Chain(new GetArg(1), new Linear(embeddingDim, headDim * numHeads, false))),
                new PerceiverScaledDotProductAttention(numHeads),
                new Linear(headDim * numHeads, embeddingDim, false));
        this.embeddingDim = embeddingDim;
        this.headDim = headDim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("embedding_dim", embeddingDim).addIfNot("head_dim", headDim, 64);
    }
}

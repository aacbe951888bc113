package refiners.foundationals.latent_diffusion.image_prompt;

import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Identity;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Parallel;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.UseContext;

/**
 * One resampler layer: the latents attend to [image features; latents] (the features come from the context the
 * resampler set), then a feed-forward, both residual.
 */
public class TransformerLayer extends Chain {
    public TransformerLayer(int latentsDim, int headDim, int numHeads, int feedforwardDim) {
        super(new Residual(new Parallel(new UseContext(PerceiverResampler.CONTEXT, "x"), new Identity()),
                        new PerceiverAttention(latentsDim, headDim, numHeads)),
                new Residual(new LayerNorm(latentsDim), new FeedForward(latentsDim, feedforwardDim)));
    }
}

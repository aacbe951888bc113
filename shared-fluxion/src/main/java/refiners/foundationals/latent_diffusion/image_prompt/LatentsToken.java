package refiners.foundationals.latent_diffusion.image_prompt;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Parameter;

/** The resampler's learned queries, one set per batch element: (B, num_tokens, latents_dim). */
public class LatentsToken extends Chain {
    private final int numTokens;
    private final int latentsDim;

    public LatentsToken(int numTokens, int latentsDim) {
        super(new Parameter(numTokens, latentsDim));
        this.numTokens = numTokens;
        this.latentsDim = latentsDim;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("num_tokens", numTokens).add("latents_dim", latentsDim);
    }
}

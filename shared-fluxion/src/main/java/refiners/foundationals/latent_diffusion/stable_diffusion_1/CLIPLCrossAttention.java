package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import refiners.fluxion.layers.Attributes;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock2d;

/** SD1's cross-attention on the CLIP-L text embedding (768 features, 8 heads, no q/k/v bias, 1x1 conv projections). */
public class CLIPLCrossAttention extends CrossAttentionBlock2d {
    public CLIPLCrossAttention(int channels) {
        super(channels, 768, "clip_text_embedding", 8, 1, 32, false, false);
    }

    @Override
    protected void describe(Attributes a) {
        a.add("channels", channels());
    }
}

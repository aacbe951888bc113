package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import refiners.fluxion.layers.Attributes;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock2d;

/** SDXL's cross-attention on the joined text embedding (2048 features), no q/k/v bias, Linear projections. */
public class SDXLCrossAttention extends CrossAttentionBlock2d {
    private final int numAttentionLayers;
    private final int numAttentionHeads;

    public SDXLCrossAttention(int channels, int numAttentionLayers, int numAttentionHeads) {
        super(channels, 2048, "clip_text_embedding", numAttentionHeads, numAttentionLayers, 32, false, true);
        this.numAttentionLayers = numAttentionLayers;
        this.numAttentionHeads = numAttentionHeads;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("channels", channels()).addIfNot("num_attention_heads", numAttentionHeads, 10)
                .addIfNot("num_attention_layers", numAttentionLayers, 1);
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Chain;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock2d;
import refiners.foundationals.latent_diffusion.image_prompt.IPAdapter;
import refiners.foundationals.latent_diffusion.image_prompt.ImageProjection;
import refiners.foundationals.latent_diffusion.image_prompt.PerceiverResampler;

/**
 * IP-Adapter for SD1UNet, for CLIP ViT-H/14 image features: plain (an {@link ImageProjection} of the 1024-d image
 * embedding to 4 tokens) or Plus / fine-grained (a {@link PerceiverResampler} of the 1280-d penultimate hidden states
 * to 16 tokens).
 */
public class SD1IPAdapter extends IPAdapter<SD1UNet> {
    /** CLIPImageEncoderH's output and hidden widths. */
    public static final int CLIP_IMAGE_EMBEDDING_DIM = 1024, CLIP_IMAGE_HIDDEN_DIM = 1280;

    public SD1IPAdapter(SD1UNet target, double scale, boolean fineGrained, Map<String, Tensor> weights) {
        super(target, imageProj(target, fineGrained), scale, fineGrained, weights);
    }

    private static Chain imageProj(SD1UNet target, boolean fineGrained) {
        int context = target.ensureFind(CrossAttentionBlock2d.class).contextEmbeddingDim();
        return fineGrained
                ? new PerceiverResampler(context, 4, 12, 64, 16, CLIP_IMAGE_HIDDEN_DIM, context)
                : new ImageProjection(CLIP_IMAGE_EMBEDDING_DIM, context, 4);
    }
}

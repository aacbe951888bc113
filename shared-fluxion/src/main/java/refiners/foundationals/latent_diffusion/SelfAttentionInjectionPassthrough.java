package refiners.foundationals.latent_diffusion;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Lambda;
import refiners.fluxion.layers.Passthrough;
import refiners.fluxion.layers.SelfAttention;
import refiners.fluxion.layers.UseContext;

/**
 * The guide pass of reference-only control, first in the UNet: a copy of the UNet (weights shared) runs on the noised
 * reference latents (context {@code reference_only_control.guide}) with the call's timestep and text embedding, and
 * each of its CrossAttentionBlocks stores its self-attention input in {@code self_attention_context_i.norm}. The
 * skip-connection residuals are set aside for that pass and restored after, so adapters that add residuals
 * (ControlNet) act on the main pass only. Returns its input.
 */
public class SelfAttentionInjectionPassthrough extends Passthrough {
    public static final String CONTEXT = "reference_only_control";

    public SelfAttentionInjectionPassthrough(Chain unet) {
        super(new Lambda("_copy_diffusion_context(x: torch.Tensor) -> torch.Tensor", (g, args) -> {
                    Object residuals = g.contexts().get("unet", "residuals");
                    g.contexts().set("self_attention_residuals_buffer", "buffer", residuals);
                    g.contexts().set("unet", "residuals", new ArrayList<Object>(Collections.nCopies(((List<?>) residuals).size(), 0.0)));
                    return args;
                }),
                new UseContext(CONTEXT, "guide"),
                guideUNet(unet),
                new Lambda("_restore_diffusion_context(x: torch.Tensor) -> torch.Tensor", (g, args) -> {
                    g.contexts().set("unet", "residuals", g.contexts().get("self_attention_residuals_buffer", "buffer"));
                    return args;
                }));
    }

    private static Chain guideUNet(Chain unet) {
        Chain guide = unet.structuralCopy();
        guide.clearContexts(); // nested, it reads the main UNet's timestep and text embedding
        List<CrossAttentionBlock> blocks = guide.layers(CrossAttentionBlock.class);
        for (int i = 0; i < blocks.size(); i++)
            new SaveLayerNormAdapter(blocks.get(i).ensureFind(SelfAttention.class), normContext(i)).inject();
        return guide;
    }

    /** The context the i-th CrossAttentionBlock's guide LayerNorm output travels in. */
    public static String normContext(int i) {
        return "self_attention_context_" + i;
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.GroupNorm;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.layers.Sum;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;
import refiners.foundationals.latent_diffusion.UNetWiring;

/**
 * Stable Diffusion 1.x UNet: predicts noise from latents x (B, in_channels, H, W), the timestep (context
 * diffusion.timestep) and the CLIP text embedding (context cross_attention_block.clip_text_embedding). Skip connections
 * travel through the "unet" context (13 slots, the last one for the middle block), the timestep embedding through
 * "range_adapter", down-sampled sizes through "sampling". in_channels is 4, or 9 for inpainting.
 */
public class SD1UNet extends Chain {
    private static final int RESIDUAL_SLOTS = 13;

    private final int inChannels;

    public SD1UNet(int inChannels) {
        super(new TimestepEncoder(),
                new DownBlocks(inChannels),
                new Sum(UNetWiring.lastResidual(), new MiddleBlock()),
                new UpBlocks(),
                new Chain(new GroupNorm(320, 32), new SiLU(), new Conv2d(320, 4, 3, 1, 1)));
        this.inChannels = inChannels;
        UNetWiring.wire(this, TimestepEncoder.DEFAULT_CONTEXT_KEY);
    }

    public int inChannels() { return inChannels; }

    /** Sets context diffusion.timestep: a (B,) tensor of integer (or float) timesteps. */
    public void setTimestep(Tensor timestep) {
        setContext("diffusion", Map.of("timestep", timestep));
    }

    /** Sets context cross_attention_block.clip_text_embedding: the (B, 77, 768) CLIP-L text embedding. */
    public void setClipTextEmbedding(Tensor clipTextEmbedding) {
        setContext(CrossAttentionBlock.CONTEXT, Map.of("clip_text_embedding", clipTextEmbedding));
    }

    @Override
    public Map<String, Map<String, Object>> initContext() {
        Map<String, Map<String, Object>> c = new LinkedHashMap<>();
        c.put("unet", entry("residuals", new ArrayList<Object>(Collections.nCopies(RESIDUAL_SLOTS, 0.0))));
        c.put("diffusion", entry("timestep", null));
        c.put("range_adapter", entry(TimestepEncoder.DEFAULT_CONTEXT_KEY, null));
        c.put("sampling", entry("shapes", new ArrayList<>()));
        return c;
    }

    private static Map<String, Object> entry(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(); // allows null: unset until the model or the caller sets it
        m.put(key, value);
        return m;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("in_channels", inChannels);
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Residual;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;
import refiners.foundationals.latent_diffusion.UNetWiring;

/**
 * Stable Diffusion XL UNet: predicts noise from latents x (B, in_channels, H, W), the timestep (context
 * diffusion.timestep), the (B, 77, 2048) text embedding (cross_attention_block.clip_text_embedding), and through the
 * TextTimeEmbedding the (B, 1280) pooled text embedding and the (B, 6) time ids (diffusion.pooled_text_embedding,
 * diffusion.time_ids). Skip connections travel through the "unet" context (10 slots, the last one for the middle
 * block, 0 unless an adapter sets it).
 */
public class SDXLUNet extends Chain {
    private static final int RESIDUAL_SLOTS = 10;

    private final int inChannels;

    public SDXLUNet(int inChannels) {
        super(new TimestepEncoder(),
                new DownBlocks(inChannels),
                new MiddleBlock(),
                new Residual(UNetWiring.lastResidual()),
                new UpBlocks(),
                new OutputBlock());
        this.inChannels = inChannels;
        UNetWiring.wire(this, TimestepEncoder.DEFAULT_CONTEXT_KEY);
    }

    public int inChannels() { return inChannels; }

    /** Sets context diffusion.timestep: a (1,) or (B,) tensor of integer (or float) timesteps. */
    public void setTimestep(Tensor timestep) {
        setContext("diffusion", with("timestep", timestep));
    }

    /** Sets context cross_attention_block.clip_text_embedding: the (B, 77, 2048) DoubleTextEncoder embedding. */
    public void setClipTextEmbedding(Tensor clipTextEmbedding) {
        setContext(CrossAttentionBlock.CONTEXT, Map.of("clip_text_embedding", clipTextEmbedding));
    }

    /** Sets context diffusion.pooled_text_embedding: the (B, 1280) pooled DoubleTextEncoder embedding. */
    public void setPooledTextEmbedding(Tensor pooledTextEmbedding) {
        setContext("diffusion", with("pooled_text_embedding", pooledTextEmbedding));
    }

    /** Sets context diffusion.time_ids: (B, 6) integers, original height and width, crop top and left, target height and width. */
    public void setTimeIds(Tensor timeIds) {
        setContext("diffusion", with("time_ids", timeIds));
    }

    /** The diffusion context with one entry replaced: its three entries are set one by one, as in refiners. */
    private Map<String, Object> with(String key, Tensor value) {
        Map<String, Object> current = context("diffusion");
        Map<String, Object> m = current == null ? new LinkedHashMap<>() : new LinkedHashMap<>(current);
        m.put(key, value);
        return m;
    }

    @Override
    public Map<String, Map<String, Object>> initContext() {
        Map<String, Map<String, Object>> c = new LinkedHashMap<>();
        c.put("unet", entries("residuals", new ArrayList<Object>(Collections.nCopies(RESIDUAL_SLOTS, 0.0))));
        c.put("diffusion", entries("timestep", null, "time_ids", null, "pooled_text_embedding", null));
        c.put("range_adapter", entries(TimestepEncoder.DEFAULT_CONTEXT_KEY, null));
        c.put("sampling", entries("shapes", new ArrayList<>()));
        return c;
    }

    private static Map<String, Object> entries(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>(); // allows null: unset until the model or the caller sets it
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("in_channels", inChannels);
    }
}

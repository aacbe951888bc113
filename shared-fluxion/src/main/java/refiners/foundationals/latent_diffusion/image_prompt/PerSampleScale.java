package refiners.foundationals.latent_diffusion.image_prompt;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Module;

/**
 * The image branch's scale fed at run time, one per sample: x times context {@code ip_adapter.scale}, (B, 1, 1). Takes
 * the place of ImageCrossAttention's Multiply (one constant for the whole batch) where samples of one call carry
 * their own IP-Adapter scale (a batch of generations).
 */
public class PerSampleScale extends Module {
    public static final String KEY = "scale";

    /** The context value for a batch: each sample's scale, (B, 1, 1) float32. */
    public static Tensor scales(float[] perSample) {
        return Tensor.ofFloats(new long[] {perSample.length, 1, 1}, perSample);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Object scales = g.contexts().get(ImageCrossAttention.CONTEXT, KEY);
        if (!(scales instanceof Tensor t) || t.rank() != 3 || t.dim(1) != 1 || t.dim(2) != 1)
            throw new IllegalStateException("context " + ImageCrossAttention.CONTEXT + "." + KEY + " must be a (B, 1, 1) tensor of per-sample scales");
        return List.of(single(this, args).mul(g.contextInput(ImageCrossAttention.CONTEXT, KEY, t)));
    }
}

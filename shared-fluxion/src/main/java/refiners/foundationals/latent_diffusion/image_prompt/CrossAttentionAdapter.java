package refiners.foundationals.latent_diffusion.image_prompt;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.Adapter;
import refiners.fluxion.layers.Attention;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.ScaledDotProductAttention;
import refiners.fluxion.layers.Sum;

/**
 * Gives one UNet cross-attention its image branch: inject replaces the attention's ScaledDotProductAttention by
 * Sum(itself, {@link ImageCrossAttention}), so both branches share the queries and the output projection; eject
 * puts the plain attention back.
 */
public class CrossAttentionAdapter extends Chain implements Adapter<Attention> {
    private final Attention target;
    private final ImageCrossAttention imageCrossAttention;

    public CrossAttentionAdapter(Attention target, double scale) {
        super(List.of(target), true);
        this.target = target;
        this.imageCrossAttention = new ImageCrossAttention(target, scale);
    }

    @Override
    public Attention target() {
        return target;
    }

    public ImageCrossAttention imageCrossAttention() {
        return imageCrossAttention;
    }

    @Override
    public CrossAttentionAdapter inject(Chain parent) {
        ScaledDotProductAttention sdpa = target.ensureFind(ScaledDotProductAttention.class);
        target.replace(sdpa, new Sum(sdpa, imageCrossAttention));
        Adapter.super.inject(parent);
        return this;
    }

    @Override
    public CrossAttentionAdapter inject() {
        return inject(null);
    }

    @Override
    public void eject() {
        Chain sum = target.findParent(imageCrossAttention);
        if (sum == null) throw new IllegalStateException("the image cross-attention is not injected");
        sum.remove(imageCrossAttention);
        target.replace(sum, sum.ensureFind(ScaledDotProductAttention.class));
        Adapter.super.eject();
    }

    /** The to_k_ip and to_v_ip weights (inner_dim, embedding_dim). */
    public void loadWeights(Tensor key, Tensor value) {
        imageCrossAttention.keyProjection().setParameter("weight", key);
        imageCrossAttention.valueProjection().setParameter("weight", value);
    }
}

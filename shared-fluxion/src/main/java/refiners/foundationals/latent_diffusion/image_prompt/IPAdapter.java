package refiners.foundationals.latent_diffusion.image_prompt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.Adapter;
import refiners.fluxion.layers.Attention;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.SelfAttention;

/**
 * Image Prompt adapter for a UNet (arXiv:2308.06721): an image projection ({@link ImageProjection}, or
 * {@link PerceiverResampler} when fine-grained) turns CLIP image features into context tokens, and a
 * {@link CrossAttentionAdapter} on every cross-attention (every Attention that is not a SelfAttention, in walk order)
 * adds their decoupled attention. The CLIP image encoder runs elsewhere (its output is this adapter's input), so
 * the adapter holds only what the UNet side needs.
 *
 * <p>Weights, refiners' file layout: {@code image_proj.<key>} for the projection and, for the i-th cross-attention,
 * {@code ip_adapter.<i, 3 digits>.to_k_ip.weight} and {@code .to_v_ip.weight}.
 */
public class IPAdapter<T extends Chain> extends Chain implements Adapter<T> {
    private final T target;
    private final Chain imageProj;
    private final boolean fineGrained;
    private final List<CrossAttentionAdapter> subAdapters = new ArrayList<>();

    protected IPAdapter(T target, Chain imageProj, double scale, boolean fineGrained, Map<String, Tensor> weights) {
        super(List.of(target), true);
        this.target = target;
        this.imageProj = imageProj;
        this.fineGrained = fineGrained;
        for (Attention attention : target.layers(Attention.class))
            if (attention.getClass() != SelfAttention.class) subAdapters.add(new CrossAttentionAdapter(attention, scale));
        if (weights != null) loadWeights(weights);
    }

    /** Loads refiners-format weights (strict: every projection key, two tensors for each cross-attention). */
    public void loadWeights(Map<String, Tensor> weights) {
        Map<String, Tensor> projection = new LinkedHashMap<>();
        weights.forEach((k, v) -> { if (k.startsWith("image_proj.")) projection.put(k.substring("image_proj.".length()), v); });
        imageProj.loadStateDict(projection);
        for (int i = 0; i < subAdapters.size(); i++) {
            String prefix = String.format("ip_adapter.%03d.", i);
            List<Map.Entry<String, Tensor>> own = new ArrayList<>();
            for (Map.Entry<String, Tensor> e : weights.entrySet()) if (e.getKey().startsWith(prefix)) own.add(e);
            if (own.size() != 2) throw new IllegalArgumentException("IP-Adapter weights: " + own.size() + " tensors under " + prefix + ", expected 2 (to_k_ip, to_v_ip)");
            // refiners takes the two in file order; by name when they carry the usual names
            Tensor key = weights.getOrDefault(prefix + "to_k_ip.weight", own.get(0).getValue());
            Tensor value = weights.getOrDefault(prefix + "to_v_ip.weight", own.get(1).getValue());
            subAdapters.get(i).loadWeights(key, value);
        }
        for (String k : weights.keySet())
            if (!k.startsWith("image_proj.") && !k.matches("ip_adapter\\.\\d{3}\\..*"))
                throw new IllegalArgumentException("IP-Adapter weights: unexpected key " + k);
    }

    /** The keys and shapes of this adapter's weight file (refiners layout), in file order. */
    public Map<String, long[]> weightShapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        imageProj.stateDictShapes().forEach((k, v) -> out.put("image_proj." + k, v));
        for (int i = 0; i < subAdapters.size(); i++) {
            ImageCrossAttention a = subAdapters.get(i).imageCrossAttention();
            out.put(String.format("ip_adapter.%03d.to_k_ip.weight", i), a.keyProjection().parameters().get("weight").shape());
            out.put(String.format("ip_adapter.%03d.to_v_ip.weight", i), a.valueProjection().parameters().get("weight").shape());
        }
        return out;
    }

    @Override
    public T target() {
        return target;
    }

    /** The image projection: CLIP image features to context tokens (B, num_tokens, context_dim). */
    public Chain imageProj() {
        return imageProj;
    }

    public boolean fineGrained() {
        return fineGrained;
    }

    public List<CrossAttentionAdapter> subAdapters() {
        return List.copyOf(subAdapters);
    }

    @Override
    public IPAdapter<T> inject(Chain parent) {
        for (CrossAttentionAdapter a : subAdapters) a.inject();
        Chain where = parent != null ? parent : target.parent();
        // a UNet run on its own stays the root: the adapter only holds it
        if (where != null && where != this) Adapter.super.inject(parent);
        return this;
    }

    @Override
    public IPAdapter<T> inject() {
        return inject(null);
    }

    @Override
    public void eject() {
        for (CrossAttentionAdapter a : subAdapters) a.eject();
        if (parent() != null) Adapter.super.eject();
    }

    public double scale() {
        return subAdapters.get(0).imageCrossAttention().scale();
    }

    public void setScale(double scale) {
        for (CrossAttentionAdapter a : subAdapters) a.imageCrossAttention().setScale(scale);
    }

    /**
     * Every cross-attention takes its scale per sample from context {@code ip_adapter.scale} (see
     * {@link #perSampleContext}) rather than {@link #scale()}: the samples of one batch carry their own scales.
     */
    public void usePerSampleScales() {
        for (CrossAttentionAdapter a : subAdapters) a.imageCrossAttention().usePerSampleScale();
    }

    /** The ip_adapter context of a batch: its image-prompt tokens (B, num_tokens, context_dim) and scales (B). */
    public static Map<String, Object> perSampleContext(Tensor imageEmbedding, float[] scales) {
        return Map.of(ImageCrossAttention.KEY, imageEmbedding, PerSampleScale.KEY, PerSampleScale.scales(scales));
    }

    /** The context name of the image-prompt tokens and scales. */
    public static String context() {
        return ImageCrossAttention.CONTEXT;
    }

    /** The image-prompt tokens the cross-attentions read (B, num_tokens, context_dim), batched like the UNet's input. */
    public void setClipImageEmbedding(Tensor imageEmbedding) {
        target.setContext(ImageCrossAttention.CONTEXT, Map.of(ImageCrossAttention.KEY, imageEmbedding));
    }
}

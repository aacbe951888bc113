package refiners.foundationals.latent_diffusion.image_prompt;

import refiners.fluxion.layers.Attention;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Distribute;
import refiners.fluxion.layers.Identity;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Multiply;
import refiners.fluxion.layers.ScaledDotProductAttention;
import refiners.fluxion.layers.UseContext;

/**
 * The decoupled image branch of a cross-attention: the text branch's projected queries attend to the image-prompt
 * tokens (context {@code ip_adapter.clip_image_embedding}) through keys and values of their own (to_k_ip, to_v_ip),
 * times the adapter's scale. Fed (q, k, v) beside the text attention; k and v are ignored.
 */
public class ImageCrossAttention extends Chain {
    static final String CONTEXT = "ip_adapter";
    static final String KEY = "clip_image_embedding";

    private final Multiply multiply;

    public ImageCrossAttention(Attention textCrossAttention, double scale) {
        this(textCrossAttention, new Multiply(scale));
    }

    private ImageCrossAttention(Attention text, Multiply multiply) {
        super(new Distribute(
                        new Identity(),
                        new Chain(new UseContext(CONTEXT, KEY), new Linear(text.keyEmbeddingDim(), text.innerDim(), text.useBias())),
                        new Chain(new UseContext(CONTEXT, KEY), new Linear(text.valueEmbeddingDim(), text.innerDim(), text.useBias()))),
                new ScaledDotProductAttention(text.numHeads(), text.isCausal()),
                multiply);
        this.multiply = multiply;
    }

    /** to_k_ip: projects the image-prompt tokens to keys. */
    public Linear keyProjection() {
        return (Linear) ((Chain) ((Chain) get(0)).get(1)).get(1);
    }

    /** to_v_ip: projects the image-prompt tokens to values. */
    public Linear valueProjection() {
        return (Linear) ((Chain) ((Chain) get(0)).get(2)).get(1);
    }

    public double scale() {
        return multiply.scale();
    }

    public void setScale(double scale) {
        multiply.setScale(scale);
    }

    /** The scale comes from context ip_adapter.scale, one per sample ({@link PerSampleScale}), instead of the constant. */
    public void usePerSampleScale() {
        if (children().contains(multiply)) replace(multiply, new PerSampleScale());
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.Adapter;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.SelfAttention;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;
import refiners.foundationals.latent_diffusion.SelfAttentionInjectionAdapter;
import refiners.foundationals.latent_diffusion.SelfAttentionInjectionPassthrough;

/**
 * Reference-only control (refiners' {@code ReferenceOnlyControlAdapter}): the reference image's latents, noised to the
 * current timestep ({@link #setControlnetCondition}, batch 2 like the guided call), run through a copy of the UNet in
 * the same call, and every self-attention of the UNet also attends to the copy's tokens. style_cfg (0.5 by default,
 * as the sd-webui extension recommends) weighs the guided attention in the unconditional half; it travels with the
 * condition as a run-time input, so one compiled UNet serves every style_cfg ({@link #context} for per-call contexts).
 * The UNet's batch must be exactly [unconditional, conditional].
 */
public class ReferenceOnlyControlAdapter extends Chain implements Adapter<SD1UNet> {
    private final SD1UNet target;
    private final double styleCfg;
    private final SelfAttentionInjectionPassthrough passthrough;
    private final List<SelfAttentionInjectionAdapter> subAdapters = new ArrayList<>();

    public ReferenceOnlyControlAdapter(SD1UNet target, double styleCfg) {
        super(List.of(target), true);
        this.target = target;
        this.styleCfg = styleCfg;
        this.passthrough = new SelfAttentionInjectionPassthrough(target);
    }

    @Override
    public SD1UNet target() {
        return target;
    }

    public double styleCfg() {
        return styleCfg;
    }

    /** Wraps every CrossAttentionBlock's self-attention, then puts the guide pass first in the UNet. */
    @Override
    public ReferenceOnlyControlAdapter inject(Chain parent) {
        if (target.size() > 0 && target.get(0) == passthrough) throw new IllegalStateException("reference-only control is already injected");
        // The wrappers are made here, right before they are injected: made earlier they would hold the self-attentions.
        List<CrossAttentionBlock> blocks = target.layers(CrossAttentionBlock.class);
        for (int i = 0; i < blocks.size(); i++)
            subAdapters.add(new SelfAttentionInjectionAdapter(blocks.get(i).ensureFind(SelfAttention.class),
                    SelfAttentionInjectionPassthrough.normContext(i), styleCfg).inject());
        target.insert(0, passthrough);
        Chain where = parent != null ? parent : target.parent();
        if (where != null && where != this) Adapter.super.inject(parent);
        return this;
    }

    @Override
    public ReferenceOnlyControlAdapter inject() {
        return inject(null);
    }

    @Override
    public void eject() {
        if (target.size() == 0 || target.get(0) != passthrough) throw new IllegalStateException("reference-only control is not the first element of the UNet");
        for (SelfAttentionInjectionAdapter a : subAdapters) a.eject();
        subAdapters.clear();
        target.pop(0);
        if (parent() != null) Adapter.super.eject();
    }

    /** The noised reference latents, (2, 4, h, w): the same latents twice, noised to the step's level. */
    public void setControlnetCondition(Tensor condition) {
        target.setContext(SelfAttentionInjectionPassthrough.CONTEXT, context(condition, styleCfg));
    }

    /** A call's context {@code reference_only_control}: its noised reference latents (2, 4, h, w) and its style_cfg. */
    public static Map<String, Object> context(Tensor condition, double styleCfg) {
        Map<String, Object> values = new HashMap<>(SelfAttentionInjectionAdapter.styleCfgContext(styleCfg));
        values.put("guide", condition);
        return values;
    }

    @Override
    public Chain structuralCopy() {
        throw new IllegalStateException("ReferenceOnlyControlAdapter cannot be copied, eject it first.");
    }
}

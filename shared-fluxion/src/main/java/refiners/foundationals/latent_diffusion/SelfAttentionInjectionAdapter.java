package refiners.foundationals.latent_diffusion;

import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.Adapter;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Concatenate;
import refiners.fluxion.layers.Identity;
import refiners.fluxion.layers.Lambda;
import refiners.fluxion.layers.Parallel;
import refiners.fluxion.layers.SelfAttention;
import refiners.fluxion.layers.UseContext;

/**
 * Reference-only control's self-attention: keys and values come from [h; the guide's h] (the guide's LayerNorm output,
 * context {@code context.norm}) along the tokens, queries from h alone, through a copy sharing the weights; then the
 * unconditional half is mixed with the plain self-attention of h: y[0] = style_cfg y[0] + (1 - style_cfg) attn(h[:1]).
 * The batch must be [unconditional, conditional]. The two weights are run-time inputs (context
 * {@code reference_only_control}, {@link #styleCfgContext}): one compiled UNet serves every style_cfg; the constructor's
 * value is the one refiners prints.
 */
public class SelfAttentionInjectionAdapter extends Chain implements Adapter<SelfAttention> {
    private static final String STYLE_CFG = "style_cfg", UNGUIDED_WEIGHT = "one_minus_style_cfg";

    private final SelfAttention target;
    /** Where the target sits before injection (the inner chain below takes the target's parent link). */
    private final Chain home;
    private final String context;
    private final double styleCfg;

    public SelfAttentionInjectionAdapter(SelfAttention target, String context, double styleCfg) {
        this(target, target.parent(), context, styleCfg);
    }

    private SelfAttentionInjectionAdapter(SelfAttention target, Chain home, String context, double styleCfg) {
        super(new Parallel(guided(target, context), new Chain(Lambda.of("<lambda>(x)", x -> x.slice(0, 0, 1, 1)), target)),
                new Lambda("compute_averaged_unconditioned_x(x: torch.Tensor, unguided_unconditioned_x: torch.Tensor) -> torch.Tensor",
                        (g, args) -> List.of(averageUnconditioned(g, args.get(0), args.get(1)))));
        if (home == null) throw new IllegalArgumentException("the SelfAttention must sit in a chain");
        this.target = target;
        this.home = home;
        this.context = context;
        this.styleCfg = styleCfg;
    }

    /** The target's copy whose keys and values also see the guide's tokens. */
    private static Chain guided(SelfAttention target, String context) {
        Chain copy = target.structuralCopy();
        if (!(copy.get(0) instanceof Parallel p)) throw new IllegalStateException("a SelfAttention starts with a Parallel, got " + copy.get(0));
        copy.replace(p, new Parallel(new Identity(),
                new Concatenate(1, new Identity(), new UseContext(context, "norm")),
                new Concatenate(1, new Identity(), new UseContext(context, "norm"))));
        return copy;
    }

    /**
     * The per-call context entries that carry style_cfg: style_cfg and 1 - style_cfg, each rounded to float32 from the
     * double (as torch multiplies a float32 tensor by a Python float), so the graph gets refiners' factors exactly.
     */
    public static Map<String, Tensor> styleCfgContext(double styleCfg) {
        return Map.of(STYLE_CFG, scalar(styleCfg), UNGUIDED_WEIGHT, scalar(1.0 - styleCfg));
    }

    private static Tensor scalar(double v) {
        return Tensor.ofFloats(new long[0], (float) v);
    }

    /** A style_cfg factor of the call, in the computation's type. */
    private static Value weight(Graph g, String key, Value like) {
        if (!(g.contexts().get(SelfAttentionInjectionPassthrough.CONTEXT, key) instanceof Tensor t) || t.rank() != 0)
            throw new IllegalStateException("context " + SelfAttentionInjectionPassthrough.CONTEXT + "." + key + " must be a scalar tensor (see styleCfgContext)");
        Value w = g.contextInput(SelfAttentionInjectionPassthrough.CONTEXT, key, t);
        return w.dtype() == like.dtype() ? w : w.cast(like.dtype());
    }

    private static Value averageUnconditioned(Graph g, Value guided, Value unguided) {
        long batch = guided.dim(0);
        // a dynamic batch (-1, e.g. after run-time LoRA slots) is the caller's to keep at 2 (LocalUNet runs such steps alone)
        if (batch != 2 && batch != -1) throw new IllegalArgumentException("reference-only control takes a batch of 2 ([unconditional, conditional]), got " + batch);
        // per-sample run-time layers (batched LoRA slots) broadcast the one-row plain pass to the call's batch: its first
        // row is the unconditional sample's, under that sample's LoRA set
        Value first = guided.slice(0, 0, 1, 1).mul(weight(g, STYLE_CFG, guided)).add(unguided.slice(0, 0, 1, 1).mul(weight(g, UNGUIDED_WEIGHT, guided)));
        return Value.concat(List.of(first, guided.slice(0, 1, 2, 1)), 0);
    }

    @Override
    public SelfAttention target() {
        return target;
    }

    /** The style_cfg this adapter was made with (refiners prints it); a call's own comes from {@link #styleCfgContext}. */
    public double styleCfg() {
        return styleCfg;
    }

    @Override
    protected void describe(Attributes a) {
        a.add("context", context).addIfNot("style_cfg", styleCfg, 0.5);
    }

    @Override
    public SelfAttentionInjectionAdapter inject(Chain parent) {
        Chain where = parent != null ? parent : home;
        where.replace(target, this);
        return this;
    }

    @Override
    public SelfAttentionInjectionAdapter inject() {
        return inject(null);
    }
}

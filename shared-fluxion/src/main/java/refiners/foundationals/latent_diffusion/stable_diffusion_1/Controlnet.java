package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Downsample;
import refiners.fluxion.layers.Lambda;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.Passthrough;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.Slicing;
import refiners.fluxion.layers.UseContext;
import refiners.foundationals.latent_diffusion.RangeAdapter2d;
import refiners.foundationals.latent_diffusion.ResidualBlock;
import refiners.foundationals.latent_diffusion.UNetResiduals;

/**
 * A ControlNet: a half UNet (its own timestep encoder, DownBlocks and MiddleBlock) run before the UNet it conditions
 * (as that UNet's first child, see {@link SD1ControlnetAdapter}). It reads the latents (their first 4 channels, so it
 * also serves an inpainting UNet), adds {@link ConditionEncoder}(context controlnet.condition_NAME) after its first
 * convolution, and adds each of its 13 zero-convolution outputs, times scale * scale_decay^(12 - n), into the UNet's
 * unet.residuals context.
 *
 * <p>The 13 factors are fed at run time (context controlnet.scales_NAME, from {@link #scale} and {@link #scaleDecay}
 * unless a run passes its own, (13,) or (B, 13) for a batch of samples with their own scales), so changing the scale
 * needs no new session.
 */
public class Controlnet extends Passthrough {
    public static final String CONTEXT = "controlnet";
    private static final int RESIDUALS = 13;

    private final String name;
    private double scale;
    private double scaleDecay;

    public Controlnet(String name) {
        this(name, 1.0, 1.0);
    }

    public Controlnet(String name, double scale, double scaleDecay) {
        super(new TimestepEncoder("timestep_embedding_" + name), Slicing.upTo(1, 4), new DownBlocks(4), new MiddleBlock());
        this.name = name;
        this.scale = scale;
        this.scaleDecay = scaleDecay;
        Chain downBlocks = (Chain) get("DownBlocks");
        ((Chain) downBlocks.get(0)).append(new Residual(new UseContext(CONTEXT, conditionKey(name)), new ConditionEncoder()));
        for (ResidualBlock block : layers(ResidualBlock.class)) {
            Chain chain = (Chain) block.get("Chain");
            new RangeAdapter2d((Conv2d) chain.get("Conv2d_1"), block.outChannels(), 1280, "timestep_embedding_" + name).inject(chain);
        }
        int n = 0;
        for (Module m : downBlocks) {
            Chain block = (Chain) m;
            int channels = outChannels(block.get(0));
            block.append(new Passthrough(new Conv2d(channels, channels, 1), storeResidual(n++)));
        }
        ((Chain) get("MiddleBlock")).append(new Passthrough(new Conv2d(1280, 1280, 1), storeResidual(RESIDUALS - 1)));
    }

    private static int outChannels(Module first) {
        if (first instanceof Conv2d c) return c.outChannels();
        if (first instanceof ResidualBlock r) return r.outChannels();
        if (first instanceof Downsample d) return d.channels();
        throw new IllegalStateException("the first layer of every DownBlocks block must have out channels, " + first + " has none");
    }

    /** residuals[n] += x * factors[n] (refiners' _store_residual), the factors read from context controlnet.scales_NAME. */
    private Lambda storeResidual(int n) {
        String key = scalesKey(name);
        return new Lambda("_store_residual(x: torch.Tensor)", (Graph g, List<Value> args) -> {
            Object factors = g.contexts().get(CONTEXT, key);
            if (!(factors instanceof Tensor t) || t.rank() > 2 || t.dim(-1) != RESIDUALS)
                throw new IllegalStateException("context " + CONTEXT + "." + key + " must be a tensor of " + RESIDUALS + " factors, or (B, " + RESIDUALS + ") for one set per sample");
            Value all = g.contextInput(CONTEXT, key, t);
            // (13,): one factor for the batch; (B, 13): one per sample, as (B, 1, 1, 1)
            Value factor = t.rank() == 1 ? all.slice(0, n, n + 1, 1) : all.slice(1, n, n + 1, 1).reshape(0, 1, 1, 1);
            UNetResiduals.add(g.contexts().get("unet", "residuals"), n, args.get(0).mul(factor));
            return args;
        });
    }

    /** The context key of this ControlNet's condition image, (1, 3, 8h, 8w) in [0, 1] (or one per sample, (B, 3, 8h, 8w)). */
    public static String conditionKey(String name) {
        return "condition_" + name;
    }

    /** The context key of this ControlNet's 13 residual factors. */
    public static String scalesKey(String name) {
        return "scales_" + name;
    }

    /** scale * scale_decay^(12 - n) for n = 0..12, float32 (refiners' scale * scale_decays[n]). */
    public static Tensor scales(double scale, double scaleDecay) {
        float[] f = new float[RESIDUALS];
        for (int n = 0; n < RESIDUALS; n++) f[n] = (float) (scale * Math.pow(scaleDecay, RESIDUALS - 1 - n));
        return Tensor.ofFloats(new long[] {RESIDUALS}, f);
    }

    public String name() { return name; }
    public double scale() { return scale; }
    public double scaleDecay() { return scaleDecay; }

    /** The next runs use this scale (fed at run time: no new session). */
    public void setScale(double scale) {
        this.scale = scale;
    }

    /** 0.825 is sd-webui-controlnet's "prompt is more important" mode; 1.0 applies the scale to every residual. */
    public void setScaleDecay(double scaleDecay) {
        this.scaleDecay = scaleDecay;
    }

    /** A copy to inject into another UNet (layers and weights shared). */
    @Override
    public Controlnet structuralCopy() {
        return (Controlnet) super.structuralCopy();
    }

    @Override
    public Map<String, Map<String, Object>> initContext() {
        Map<String, Map<String, Object>> c = new LinkedHashMap<>();
        c.put(CONTEXT, new LinkedHashMap<>(Map.of(scalesKey(name), scales(scale, scaleDecay))));
        return c;
    }

    /** As refiners: its Controlnet's __init__ takes name and scale; the scale decay is no parameter of it, so never shown. */
    @Override
    protected void describe(Attributes a) {
        a.add("name", name).addIfNot("scale", scale, 1.0);
    }
}

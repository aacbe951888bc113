package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.Adapter;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Module;

/**
 * Puts a {@link Controlnet} into an SD1UNet: {@link #inject} inserts it as the UNet's first child (and, when the UNet
 * sits in a chain, puts this adapter in the UNet's place), {@link #eject} takes it out again, leaving the UNet exactly
 * as before. Several ControlNets, each with its own name, condition, scale and decay, can be injected at once.
 */
public class SD1ControlnetAdapter extends Chain implements Adapter<SD1UNet> {
    private final SD1UNet target;
    private final Controlnet controlnet;

    /** A new ControlNet named {@code name} with {@code weights} (refiners keys, see ControlnetWeights; null: none yet). */
    public SD1ControlnetAdapter(SD1UNet target, String name, double scale, double scaleDecay, Map<String, Tensor> weights) {
        this(target, new Controlnet(name, scale, scaleDecay));
        if (weights != null) controlnet.loadStateDict(weights);
    }

    public SD1ControlnetAdapter(SD1UNet target, Controlnet controlnet) {
        super(List.of(target), true);
        this.target = target;
        this.controlnet = controlnet;
    }

    @Override
    public SD1UNet target() {
        return target;
    }

    public Controlnet controlnet() {
        return controlnet;
    }

    @Override
    public SD1ControlnetAdapter inject(Chain parent) {
        for (Module m : target) {
            if (m == controlnet) throw new IllegalStateException(controlnet + " is already injected");
            if (m instanceof Controlnet c && c.name().equals(controlnet.name()))
                throw new IllegalStateException("a Controlnet named " + c.name() + " is already injected");
        }
        target.insert(0, controlnet);
        Chain where = parent != null ? parent : target.parent();
        // a UNet run on its own stays the root: the adapter (and any earlier ControlNet adapter) only holds it
        if (where != null && where != this && !(where instanceof SD1ControlnetAdapter)) Adapter.super.inject(parent);
        return this;
    }

    @Override
    public SD1ControlnetAdapter inject() {
        return inject(null);
    }

    @Override
    public void eject() {
        target.remove(controlnet);
        if (parent() != null) Adapter.super.eject();
    }

    /** The condition image (1, 3, 8h, 8w) in [0, 1], set on the UNet (next to other ControlNets' conditions). */
    public void setControlnetCondition(Tensor condition) {
        Map<String, Object> c = target.context(Controlnet.CONTEXT) == null ? new LinkedHashMap<>() : new LinkedHashMap<>(target.context(Controlnet.CONTEXT));
        c.put(Controlnet.conditionKey(controlnet.name()), condition);
        target.setContext(Controlnet.CONTEXT, c);
    }

    public void setScale(double scale) {
        controlnet.setScale(scale);
    }

    public void setScaleDecay(double scaleDecay) {
        controlnet.setScaleDecay(scaleDecay);
    }

    @Override
    public Chain structuralCopy() {
        throw new IllegalStateException("Controlnet cannot be copied, eject it first.");
    }
}

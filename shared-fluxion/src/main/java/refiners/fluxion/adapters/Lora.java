package refiners.fluxion.adapters;

import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.Multiply;
import refiners.fluxion.layers.WeightedModule;

/**
 * Low-rank adaptation: Chain(down, up, Multiply(scale)), added to its target's output by a {@link LoraAdapter}. The
 * scale is the factor actually applied (for kohya/diffusers files: user scale x alpha / rank).
 */
public abstract class Lora<T extends WeightedModule> extends Chain {
    private final String name;
    private final int rank;

    protected Lora(String name, int rank, double scale, T down, T up) {
        super(down, up, new Multiply(scale));
        this.name = name;
        this.rank = rank;
    }

    public String name() { return name; }
    public int rank() { return rank; }

    @SuppressWarnings("unchecked")
    public T down() { return (T) get(0); }

    @SuppressWarnings("unchecked")
    public T up() { return (T) get(1); }

    public double scale() {
        return ensureFind(Multiply.class).scale();
    }

    public void setScale(double scale) {
        ensureFind(Multiply.class).setScale(scale);
    }

    /** Binds pretrained weights (shapes must match). */
    public void loadWeights(Tensor down, Tensor up) {
        down().setParameter("weight", down);
        up().setParameter("weight", up);
    }

    /** Whether this LoRA fits a layer (same class, same in/out sizes). */
    public abstract boolean isCompatible(Module layer);

    @Override
    protected void describe(Attributes a) {
        a.add("name", name).add("rank", rank).add("scale", scale());
    }
}

package refiners.fluxion.adapters;

import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;

/** LoRA for a Linear: down (rank, in) and up (out, rank) linear maps without bias. */
public class LinearLora extends Lora<Linear> {
    private final int inFeatures;
    private final int outFeatures;

    public LinearLora(String name, int inFeatures, int outFeatures, int rank, double scale) {
        super(name, rank, scale, new Linear(inFeatures, rank, false), new Linear(rank, outFeatures, false));
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
    }

    /** A LoRA from its weights: down (rank, in), up (out, rank). */
    public static LinearLora fromWeights(String name, Tensor down, Tensor up, double scale) {
        if (down.rank() != 2 || up.rank() != 2 || down.dim(0) != up.dim(1))
            throw new IllegalArgumentException(name + ": down " + java.util.Arrays.toString(down.shape()) + " and up " + java.util.Arrays.toString(up.shape()) + " are not a linear LoRA pair");
        LinearLora l = new LinearLora(name, (int) down.dim(1), (int) up.dim(0), (int) down.dim(0), scale);
        l.loadWeights(down, up);
        return l;
    }

    public int inFeatures() { return inFeatures; }
    public int outFeatures() { return outFeatures; }

    @Override
    public boolean isCompatible(Module layer) {
        return layer instanceof Linear l && l.inFeatures() == inFeatures && l.outFeatures() == outFeatures;
    }
}

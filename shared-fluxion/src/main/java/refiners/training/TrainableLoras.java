package refiners.training;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.LoraSlot;
import refiners.fluxion.adapters.LoraSlots;
import refiners.fluxion.adapters.LoraWeights;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;

/**
 * LoRAs being trained on a model: refiners' LinearLora (down (rank, in), up (out, rank), output scale * up(down(x))
 * added to the target Linear's) on every target, computed by run-time LoRA slots whose down/up are graph inputs, so
 * the base weights stay frozen and mapped while the LoRA weights are fed (and differentiated) on every step.
 * Parameters are named as in refiners-format LoRA files: {@code <model>.<target>.down.weight}, {@code ...up.weight}.
 */
public final class TrainableLoras {
    /** One target's LoRA. */
    public record Lora(String target, Parameter down, Parameter up) {}

    private final String modelName;
    private final int rank;
    private final double scale;
    private final Map<String, Lora> loras;
    private final LoraSlots slots;

    private TrainableLoras(String modelName, int rank, double scale, Map<String, Lora> loras, LoraSlots slots) {
        this.slots = slots;
        this.modelName = modelName;
        this.rank = rank;
        this.scale = scale;
        this.loras = loras;
    }

    /**
     * Installs LoRA slots on every Linear of the blocks {@code blockClasses} of {@code model} (see {@link LoraTargets});
     * modelName prefixes the parameter names ("unet", "text_encoder"). Weights start at zero: see {@link #initialize}.
     */
    public static TrainableLoras install(Chain model, String modelName, List<String> blockClasses, int rank, double scale) {
        if (rank <= 0) throw new IllegalArgumentException("lora rank must be positive, got " + rank);
        Map<String, Linear> targets = LoraTargets.find(model, blockClasses);
        Set<Module> chosen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        chosen.addAll(targets.values());
        LoraSlots slots = LoraSlots.install(model, chosen::contains);
        Map<String, Lora> loras = new LinkedHashMap<>();
        targets.forEach((path, l) -> loras.put(path, new Lora(path,
                Parameter.zeros(modelName + "." + path + ".down.weight", rank, l.inFeatures()),
                Parameter.zeros(modelName + "." + path + ".up.weight", l.outFeatures(), rank))));
        return new TrainableLoras(modelName, rank, scale, loras, slots);
    }

    /** refiners' LoRA initialisation: down ~ normal(0, 1/rank), up = 0 (the adapted model starts as the base model). */
    public void initialize(Random random) {
        for (Lora l : loras.values()) {
            float[] d = l.down().value();
            for (int i = 0; i < d.length; i++) d[i] = (float) (random.nextGaussian() / rank);
            java.util.Arrays.fill(l.up().value(), 0f);
        }
    }

    public String modelName() { return modelName; }
    public int rank() { return rank; }
    public double scale() { return scale; }

    /** Targets in walk order. */
    public Map<String, Lora> loras() {
        return loras;
    }

    /** Every parameter: per target, down then up. */
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (Lora l : loras.values()) {
            out.add(l.down());
            out.add(l.up());
        }
        return out;
    }

    /** The compiled inputs the gradients are taken with respect to (same order as {@link #parameters}). */
    public List<String> inputs() {
        List<String> out = new ArrayList<>();
        for (String t : loras.keySet()) {
            out.add(LoraSlot.CONTEXT + "." + t + ".down");
            out.add(LoraSlot.CONTEXT + "." + t + ".up");
        }
        return out;
    }

    /** The slot feeds for the current values (the scale folded into up). */
    public Map<String, Map<String, Object>> contexts() {
        return feeds(weights());
    }

    /** The slot feeds for other weights on these targets (e.g. a LoRA file read back). */
    public Map<String, Map<String, Object>> feeds(List<LoraWeights> weights) {
        return slots.feeds(weights);
    }

    /** The current values as LoRA weights (factor = scale), e.g. to fuse or to feed. */
    public List<LoraWeights> weights() {
        List<LoraWeights> out = new ArrayList<>();
        for (Lora l : loras.values()) out.add(new LoraWeights(l.target(), l.down().tensor(), l.up().tensor(), scale));
        return out;
    }

    /**
     * The gradients of the parameters (order of {@link #parameters}) from those of the compiled inputs: the up input
     * carries scale * up, so its gradient is scaled back.
     */
    public List<float[]> gradients(Map<String, Tensor> byInput) {
        List<float[]> out = new ArrayList<>();
        for (String t : loras.keySet()) {
            out.add(require(byInput, LoraSlot.CONTEXT + "." + t + ".down").toFloatArray());
            float[] up = require(byInput, LoraSlot.CONTEXT + "." + t + ".up").toFloatArray();
            for (int i = 0; i < up.length; i++) up[i] *= (float) scale;
            out.add(up);
        }
        return out;
    }

    private static Tensor require(Map<String, Tensor> m, String k) {
        Tensor t = m.get(k);
        if (t == null) throw new IllegalStateException("no gradient for " + k);
        return t;
    }
}

package refiners.fluxion.adapters;

import java.util.List;
import java.util.Map;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.WeightedModule;

/**
 * Fused LoRAs: W' = W + factor * up . down baked into copies of the adapted layers' weights, in a structural copy
 * of the model (the original keeps its weights; untouched layers share theirs). Fastest per step; needs a new
 * session for every LoRA set.
 */
public final class LoraFusion {
    private LoraFusion() {}

    public static <M extends Chain> M fuse(M model, List<LoraWeights> loras) {
        @SuppressWarnings("unchecked")
        M copy = (M) model.structuralCopy();
        Map<String, long[]> keys = copy.stateDictShapes();
        for (LoraWeights w : loras) {
            if (!keys.containsKey(w.target() + ".weight")) throw new IllegalArgumentException("no layer " + w.target() + " to fuse a LoRA into");
        }
        java.util.Map<String, Tensor> fused = new java.util.LinkedHashMap<>();
        Map<String, Tensor> sd = copy.stateDict();
        for (LoraWeights w : loras) {
            String k = w.target() + ".weight";
            Tensor base = fused.getOrDefault(k, sd.get(k));
            fused.put(k, add(base, w));
        }
        fused.forEach((k, t) -> replaceWeight(copy, k.substring(0, k.length() - ".weight".length()), t));
        return copy;
    }

    private static Tensor add(Tensor w, LoraWeights l) {
        long[] s = w.shape();
        int out = (int) s[0], rank = l.rank();
        int in = (int) (w.numel() / out);
        float[] wv = w.to(DType.F32).toFloatArray();
        float[] down = l.down().to(DType.F32).toFloatArray(); // (rank, in...) flattened: rank x in
        float[] up = l.up().to(DType.F32).toFloatArray();     // (out, rank[, 1, 1])
        if (down.length != rank * in || up.length != out * rank)
            throw new IllegalArgumentException(l.target() + ": LoRA shapes do not fit the layer " + java.util.Arrays.toString(s));
        for (int o = 0; o < out; o++) {
            for (int r = 0; r < rank; r++) {
                double f = l.factor() * up[o * rank + r];
                int base = o * in, dr = r * in;
                for (int i = 0; i < in; i++) wv[base + i] += (float) (f * down[dr + i]);
            }
        }
        return Tensor.ofFloats(s, wv).to(w.dtype());
    }

    /** Puts a new layer (same class and configuration, new weight, shared bias) in place of the one at {@code path}. */
    private static void replaceWeight(Chain root, String path, Tensor weight) {
        Module target = root;
        Chain parent = null;
        for (String name : path.split("\\.")) {
            parent = (Chain) target;
            target = parent.get(name);
        }
        WeightedModule copy;
        if (target instanceof Linear l) copy = new Linear(l.inFeatures(), l.outFeatures(), l.hasBias());
        else if (target instanceof Conv2d c) copy = new Conv2d(c.inChannels(), c.outChannels(), c.kernelSize(), c.stride(), c.padding(), c.dilation(), c.groups(), c.useBias());
        else throw new IllegalArgumentException(path + " is a " + target.className() + ": LoRAs fuse into Linear and Conv2d layers");
        copy.setParameter("weight", weight);
        if (copy.parameters().containsKey("bias")) copy.setParameter("bias", target.parameter("bias"));
        parent.replace(target, copy);
    }
}

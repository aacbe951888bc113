package refiners.fluxion.adapters;

import refiners.fluxion.Tensor;

/**
 * One LoRA's weights for one layer: the target's refiners path, down (rank, in[, k, k]) and up (out, rank[, 1, 1]),
 * and the factor applied to up(down(x)) (kohya/diffusers: user scale x alpha / rank).
 */
public record LoraWeights(String target, Tensor down, Tensor up, double factor) {
    public int rank() {
        return (int) down.dim(0);
    }
}

package refiners.training;

import java.util.List;

/** torch.nn.utils.clip_grad_norm_: scales every gradient by min(1, max_norm / (total_norm + 1e-6)). */
public final class GradientClipping {
    private GradientClipping() {}

    /** The L2 norm of all gradients together. */
    public static double totalNorm(List<float[]> gradients) {
        double s = 0;
        for (float[] g : gradients) for (float x : g) s += (double) x * x;
        return Math.sqrt(s);
    }

    /** Clips in place; returns the total norm before clipping. */
    public static double clipByGlobalNorm(List<float[]> gradients, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clip_grad_norm must be positive, got " + maxNorm);
        double total = totalNorm(gradients);
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1) for (float[] g : gradients) for (int i = 0; i < g.length; i++) g[i] = (float) (g[i] * coef);
        return total;
    }
}

package refiners.training;

/**
 * The learning rate at each optimizer update: a linear warm-up from lr / warmup to lr over the first {@code warmup}
 * updates, then constant (ConstantLR) or cosine annealing to eta_min at the last update (CosineAnnealingLR).
 */
public record LearningRateSchedule(String type, double learningRate, long warmup, long total, double etaMin) {
    public LearningRateSchedule {
        if (!type.equals("ConstantLR") && !type.equals("CosineAnnealingLR")) throw new IllegalArgumentException("unknown scheduler type " + type);
    }

    /** The rate for update {@code iteration} (0-based). */
    public double at(long iteration) {
        if (iteration < warmup) return learningRate * (iteration + 1) / warmup;
        if (type.equals("ConstantLR")) return learningRate;
        long span = Math.max(1, total - warmup - 1);
        double progress = Math.min(1.0, (iteration - warmup) / (double) span);
        return etaMin + (learningRate - etaMin) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}

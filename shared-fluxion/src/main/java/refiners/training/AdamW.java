package refiners.training;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;

/**
 * torch.optim.AdamW (arXiv:1711.05101): decoupled weight decay p -= lr * wd * p, then Adam's bias-corrected step
 * p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps). Arithmetic in double, state and parameters float32.
 */
public final class AdamW implements Optimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final Map<String, float[]> m = new HashMap<>(), v = new HashMap<>();
    private long steps;

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        if (eps < 0 || weightDecay < 0) throw new IllegalArgumentException("eps and weight_decay must be >= 0");
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(List<Parameter> parameters, List<float[]> gradients, double lr) {
        Optimizer.checkSizes(parameters, gradients);
        steps++;
        double bc1 = 1 - Math.pow(beta1, steps), bc2 = Math.sqrt(1 - Math.pow(beta2, steps));
        double stepSize = lr / bc1;
        for (int k = 0; k < parameters.size(); k++) {
            Parameter p = parameters.get(k);
            float[] x = p.value(), g = gradients.get(k);
            float[] mk = m.computeIfAbsent(p.name(), n -> new float[x.length]), vk = v.computeIfAbsent(p.name(), n -> new float[x.length]);
            for (int i = 0; i < x.length; i++) {
                double xi = x[i] * (1 - lr * weightDecay);
                mk[i] = (float) (beta1 * mk[i] + (1 - beta1) * g[i]);
                vk[i] = (float) (beta2 * vk[i] + (1 - beta2) * (double) g[i] * g[i]);
                x[i] = (float) (xi - stepSize * mk[i] / (Math.sqrt(vk[i]) / bc2 + eps));
            }
        }
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        s.put("adamw.step", Tensor.ofLongs(new long[] {1}, steps));
        m.forEach((n, a) -> s.put("adamw.exp_avg." + n, Tensor.ofFloats(new long[] {a.length}, a.clone())));
        v.forEach((n, a) -> s.put("adamw.exp_avg_sq." + n, Tensor.ofFloats(new long[] {a.length}, a.clone())));
        return s;
    }

    @Override
    public void load(Map<String, Tensor> state) {
        Tensor step = state.get("adamw.step");
        if (step == null) throw new IllegalArgumentException("optimizer state has no adamw.step: not an AdamW state");
        steps = step.toLongArray()[0];
        m.clear();
        v.clear();
        state.forEach((k, t) -> {
            if (k.startsWith("adamw.exp_avg_sq.")) v.put(k.substring("adamw.exp_avg_sq.".length()), t.toFloatArray());
            else if (k.startsWith("adamw.exp_avg.")) m.put(k.substring("adamw.exp_avg.".length()), t.toFloatArray());
        });
    }
}

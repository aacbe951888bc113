package refiners.training;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;

/** torch.optim.SGD: g += wd * p (L2 weight decay), optional momentum buffer b = mu * b + g, then p -= lr * b. */
public final class SGD implements Optimizer {
    private final double momentum, weightDecay;
    private final Map<String, float[]> buffers = new HashMap<>();

    public SGD(double momentum, double weightDecay) {
        if (momentum < 0 || weightDecay < 0) throw new IllegalArgumentException("momentum and weight_decay must be >= 0");
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    public void step(List<Parameter> parameters, List<float[]> gradients, double lr) {
        Optimizer.checkSizes(parameters, gradients);
        for (int k = 0; k < parameters.size(); k++) {
            Parameter p = parameters.get(k);
            float[] x = p.value(), g = gradients.get(k);
            boolean first = !buffers.containsKey(p.name());
            float[] b = momentum == 0 ? null : buffers.computeIfAbsent(p.name(), n -> new float[x.length]);
            for (int i = 0; i < x.length; i++) {
                double d = g[i] + weightDecay * x[i];
                if (b != null) {
                    d = first ? d : momentum * b[i] + d; // torch starts the buffer at the first gradient
                    b[i] = (float) d;
                }
                x[i] = (float) (x[i] - lr * d);
            }
        }
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        buffers.forEach((n, a) -> s.put("sgd.momentum_buffer." + n, Tensor.ofFloats(new long[] {a.length}, a.clone())));
        return s;
    }

    @Override
    public void load(Map<String, Tensor> state) {
        buffers.clear();
        state.forEach((k, t) -> {
            if (k.startsWith("sgd.momentum_buffer.")) buffers.put(k.substring("sgd.momentum_buffer.".length()), t.toFloatArray());
        });
    }
}

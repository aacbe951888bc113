package refiners.training;

import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;

/** Updates parameters in place from their gradients, as torch.optim optimizers do; its state can be saved to resume. */
public interface Optimizer {
    /** One update of every parameter with its gradient (same order) at learning rate lr. */
    void step(List<Parameter> parameters, List<float[]> gradients, double lr);

    /** The state to checkpoint (moment estimates, step count), by name. */
    Map<String, Tensor> state();

    /** Restores a state written by {@link #state}. */
    void load(Map<String, Tensor> state);

    static void checkSizes(List<Parameter> parameters, List<float[]> gradients) {
        if (parameters.size() != gradients.size()) throw new IllegalArgumentException(parameters.size() + " parameters but " + gradients.size() + " gradients");
        for (int i = 0; i < parameters.size(); i++)
            if (parameters.get(i).value().length != gradients.get(i).length)
                throw new IllegalArgumentException(parameters.get(i).name() + ": " + parameters.get(i).value().length + " values but a gradient of " + gradients.get(i).length);
    }
}

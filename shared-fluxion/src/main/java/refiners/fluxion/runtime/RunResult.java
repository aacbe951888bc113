package refiners.fluxion.runtime;

import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Module;

/** Outputs of a compiled run, plus the values of tapped inner layers. */
public record RunResult(List<Tensor> outputs, Map<Module, Tensor> taps) {
    public Tensor output() {
        if (outputs.size() != 1) throw new IllegalStateException(outputs.size() + " outputs");
        return outputs.get(0);
    }

    public Tensor tap(Module m) {
        Tensor t = taps.get(m);
        if (t == null) throw new IllegalArgumentException("no tap on " + m.className());
        return t;
    }
}

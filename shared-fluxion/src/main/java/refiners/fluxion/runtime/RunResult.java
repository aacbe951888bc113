package refiners.fluxion.runtime;

import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Tap;
import refiners.fluxion.layers.Module;

/**
 * Outputs of a compiled run, plus the outputs of tapped inner layers by path under the compiled root. {@code tapped}
 * lists the taps with their resolved paths, so that a layer given as an object can be read back by it.
 */
public record RunResult(List<Tensor> outputs, Map<String, Tensor> taps, List<Tap> tapped) {
    public RunResult(List<Tensor> outputs, Map<String, Tensor> taps) {
        this(outputs, taps, List.of());
    }

    public Tensor output() {
        if (outputs.size() != 1) throw new IllegalStateException(outputs.size() + " outputs");
        return outputs.get(0);
    }

    /** The output of the layer tapped at {@code path}. */
    public Tensor tap(String path) {
        Tensor t = taps.get(path);
        if (t == null) throw new IllegalArgumentException("no tap at '" + path + "' (tapped: " + taps.keySet() + ")");
        return t;
    }

    /** The output of a layer tapped as an object (CompileOptions.withTaps). */
    public Tensor tap(Module layer) {
        for (Tap t : tapped) if (t.layer() == layer) return tap(t.path());
        throw new IllegalArgumentException("no tap on " + layer.className() + " (tapped: " + taps.keySet() + ")");
    }

    /** This result, knowing which layers the resolved taps name. */
    public RunResult withTapped(List<Tap> resolved) {
        return new RunResult(outputs, taps, resolved);
    }
}

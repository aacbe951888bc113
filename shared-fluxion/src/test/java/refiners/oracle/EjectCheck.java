package refiners.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Module;

/** What every adapter case checks after eject: the model gives its output from before inject, bit for bit, with the same keys. */
final class EjectCheck {
    private EjectCheck() {}

    static void assertRestored(Module model, Set<String> keysBefore, Tensor outputBefore, List<Tensor> inputs) {
        Tensor ejected = TimedRun.run("after eject", model, CompileOptions.defaults(), inputs).output();
        assertEquals(0, FluxionLayersCase.mismatches(outputBefore, ejected), "the model after eject differs from the model before inject");
        assertEquals(keysBefore, model.stateDictShapes().keySet(), "eject left the state dict changed");
    }
}

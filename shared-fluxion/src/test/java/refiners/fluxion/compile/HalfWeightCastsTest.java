package refiners.fluxion.compile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;

/**
 * float16 weights on CPU are cast to float32 in the graph, per call: each cast must live from just before its consumer
 * to just after it. ONNX Runtime once ran every weight's cast before the first layer (see Compiler.weightNodesFirst):
 * a call then held all the weights in float32 at once, twice their float16 bytes. Measured as the process's peak
 * resident memory during the calls (the kernel's high-water mark, reset first), since the arena gives its chunks back
 * after each call of a float16 model.
 */
@Isolated("measures the whole process's peak resident memory: a class running beside it would add its own")
class HalfWeightCastsTest {
    static final int LAYERS = 16, WIDTH = 2048;

    @Test
    void aCallHoldsAFewFloat32CastsNotAllOfThem() throws IOException {
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/status")), "resident memory is read from Linux's /proc");
        List<Module> layers = new ArrayList<>();
        for (int i = 0; i < LAYERS; i++) layers.add(new Linear(WIDTH, WIDTH));
        Chain chain = new Chain(layers);
        Map<String, Tensor> half = new LinkedHashMap<>();
        DetInit.stateDict(chain.stateDictShapes(), 1).forEach((k, t) -> half.put(k, t.to(DType.F16)));
        chain.loadStateDict(half);
        Tensor x = Tensor.zeros(DType.F32, 1, WIDTH);
        long allCasts = 4L * LAYERS * WIDTH * WIDTH; // 256 MiB
        try (Runner runner = new Runner(RuntimeConfig.defaults());
             CompiledModel model = runner.compile(chain, CompileOptions.defaults().withDtype(DType.F16), List.of(x), Map.of())) {
            long before = status("VmRSS:");
            Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // VmHWM := VmRSS
            for (int i = 0; i < 2; i++) model.run(List.of(x), Map.of()); // the second run allocates the memory pattern the first recorded
            long grown = status("VmHWM:") - before;
            assertTrue(grown < allCasts / 4, "two calls raised the resident peak by " + (grown >> 20) + " MiB: the float32 casts of "
                    + LAYERS + " weights (" + (allCasts >> 20) + " MiB) were alive at once?");
        }
    }

    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }
}

package refiners.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.CompiledGraph;
import refiners.fluxion.compile.Compiler;
import refiners.fluxion.compile.Contexts;
import refiners.fluxion.layers.Module;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.RunResult;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;

/**
 * Compiles a model for the given inputs and runs it once on a session of its own (created with the shared runner's
 * configuration), printing compile, session creation and run times. Taps are read back by path.
 */
final class TimedRun {
    private TimedRun() {}

    static RunResult run(String label, Module model, CompileOptions options, List<Tensor> inputs) {
        List<Compiler.InputSpec> specs = new ArrayList<>();
        for (Tensor t : inputs) specs.add(new Compiler.InputSpec(t.dtype(), options.shapePolicy().apply(t.shape())));
        long c0 = System.nanoTime();
        RuntimeConfig config = Runner.shared().config();
        CompiledGraph graph = Compiler.compile(model, specs, options, config.device());
        double compileSeconds = (System.nanoTime() - c0) / 1e9;
        try (CompiledModel session = CompiledModel.create(graph, config)) {
            Map<String, Tensor> contextTensors = Contexts.collect(model).tensors();
            long r0 = System.nanoTime();
            RunResult r = session.run(inputs, contextTensors);
            System.out.printf("  %s: compile %.2f s (%d nodes), session creation %.2f s, run %.2f s%n",
                    label, compileSeconds, graph.nodeCount(), session.creationSeconds(), (System.nanoTime() - r0) / 1e9);
            return r;
        }
    }
}

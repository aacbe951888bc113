package refiners.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Contexts;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;

/**
 * How much arithmetic a call is, and how fast this machine does arithmetic at best: the yardstick that says whether a
 * time can still shrink without doing less work.
 */
final class Work {
    private Work() {}

    /** GFLOP per call of {@code model} (convolutions, matrix products, attention), read from a one-call profile. */
    static double gflop(Module model, List<Tensor> inputs, Map<String, Map<String, Object>> ctx, RuntimeConfig base) {
        try {
            Path dir = Files.createTempDirectory("refiners-work");
            try (Runner runner = new Runner(base.withProfiling(dir.resolve("work").toString()));
                 CompiledModel m = runner.compile(model, CompileOptions.defaults(), inputs, ctx)) {
                Map<String, Tensor> feeds = Contexts.collect(model, ctx).tensors();
                m.run(inputs, feeds); // the first call is left out of profiles
                m.run(inputs, feeds);
                Path file = m.endProfiling();
                double g = OrtProfile.read(file).gflop();
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
                return g;
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A square float32 Gemm, its weight prepacked (MLAS's best case), on the same threads: close to the best rate
     * ONNX Runtime reaches on this machine.
     */
    static final class Gemm implements AutoCloseable {
        static final int N = 2048;
        private final Runner runner;
        private final CompiledModel model;
        private final Tensor x;

        Gemm(RuntimeConfig base) {
            Linear linear = new Linear(N, N, false);
            linear.loadStateDict(DetInit.stateDict(linear.stateDictShapes(), 1));
            x = DetInit.tensor("input:gemm", new long[] {N, N}, 1, 0, 1);
            runner = new Runner(base.withProfiling(null).withPrepacking(true));
            model = runner.compile(linear, CompileOptions.defaults(), List.of(x), Map.of());
            model.run(List.of(x), Map.of());
        }

        /** One call's rate. */
        double gflopPerSecond() {
            long t0 = System.nanoTime();
            model.run(List.of(x), Map.of());
            return 2.0 * N * N * N / (System.nanoTime() - t0);
        }

        @Override
        public void close() {
            model.close();
            runner.close();
        }
    }
}

package refiners.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.settings.RuntimeVariables;

/**
 * Resident memory of a session over a 1 GiB mapped weight file, with ONNX Runtime's prepacking off (our default: the
 * mapped weights are used in place) and on. Each mode runs in a fresh JVM so RSS figures do not mix.
 *
 * <p>Run: java -cp ... refiners.bench.ZeroCopyBench [workdir]
 */
public final class ZeroCopyBench {
    private static final int WIDTH = 2048;

    /** Half Linear, half 3x3 Conv2d weights, 1 GiB in all (both op families are what SD models are made of). */
    static Chain model() {
        List<Module> layers = new ArrayList<>();
        for (int i = 0; i < 32; i++) layers.add(new Linear(WIDTH, WIDTH, false)); // 32 x 16 MiB
        layers.add(new ReshapeToImage());
        for (int i = 0; i < 14; i++) layers.add(Conv2d.noBias(1024, 1024, 3, 1, 1)); // 14 x 36 MiB
        return new Chain(layers);
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("--child")) {
            child(Path.of(args[1]), Boolean.parseBoolean(args[2]));
            return;
        }
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("zerocopy");
        Path file = dir.resolve("weights-1gib.safetensors");
        Chain m = model();
        if (!Files.exists(file)) SafeTensorsWriter.write(file, DetInit.stateDict(m.stateDictShapes(), 1));
        System.out.printf("weight file: %s (%.2f GiB)%n", file, Files.size(file) / (double) (1L << 30));
        for (boolean prepack : new boolean[] {false, true}) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-cp", System.getProperty("java.class.path"), ZeroCopyBench.class.getName(), "--child", file.toString(), Boolean.toString(prepack)));
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            if (p.waitFor() != 0) throw new IllegalStateException("child failed");
        }
    }

    private static void child(Path file, boolean prepack) {
        Runner runner = new Runner(RuntimeVariables.fromEnvironment().withPrepacking(prepack));
        long before = Rss.anonymous();
        String beforeS = Rss.summary();
        try (SafeTensors st = SafeTensors.open(file)) {
            Chain m = model();
            Map<String, Tensor> weights = new LinkedHashMap<>(st.all());
            m.loadStateDict(weights);
            long t0 = System.nanoTime();
            Tensor x = DetInit.tensor("input:x", new long[] {1, WIDTH}, 1, 0, 1);
            var compiled = runner.compile(m, refiners.fluxion.compile.CompileOptions.defaults(), List.of(x), Map.of());
            String afterSession = Rss.summary();
            long anonSession = Rss.anonymous();
            double created = (System.nanoTime() - t0) / 1e9;
            compiled.run(List.of(x), Map.of());
            System.out.printf("prepacking %-3s: RSS before session %s; after session creation (%.1f s) %s; after first run %s; anonymous growth: session %s, run %s%n",
                    prepack ? "on" : "off", beforeS, created, afterSession, Rss.summary(),
                    Rss.mib(anonSession - before), Rss.mib(Rss.anonymous() - before));
        }
    }

    /** (1, 2048) -> (1, 1024, 2, 1): lets the same weights feed a conv stack. */
    static final class ReshapeToImage extends refiners.fluxion.layers.Module {
        @Override
        public List<refiners.fluxion.compile.Value> lower(refiners.fluxion.compile.Graph g, List<refiners.fluxion.compile.Value> args) {
            return List.of(single(this, args).reshape(1, 1024, 2, 1));
        }
    }
}

package refiners.fluxion.compile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.onnx.Onnx.ModelProto;
import refiners.fluxion.compile.onnx.Onnx.TensorProto;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsWriter;

/** The int8 file `convert --quantize int8` writes: its keys, and the same outputs, bit for bit, as quantizing in memory. */
class Int8WeightsFileTest {
    private static final CompileOptions INT8 = CompileOptions.defaults().withQuantization(Quantization.INT8);
    private static final Tensor X = DetInit.tensor("input:int8file", new long[] {2, 4, 9, 7}, 1, 0, 1);

    /** Convolutions (the first one too narrow for int8), then linear layers over the last axis. */
    private static Chain model() {
        return new Chain(new Conv2d(4, 32, 3, 1, 1), new SiLU(), new Conv2d(32, 32, 3, 1, 1), new SiLU(), new Linear(7, 12), new SiLU(), new Linear(12, 5, false));
    }

    @Test
    void theFileHoldsEveryInt8WeightAndItsScalesUnderTheFloatWeightsKey(@TempDir Path dir) throws Exception {
        Path weights = weights(dir, 5);
        Path file = Int8WeightsFile.writeBeside(model(), weights);
        assertEquals(dir.resolve("model.int8.safetensors"), file);
        try (SafeTensors st = SafeTensors.open(file)) {
            Map<String, String> described = new LinkedHashMap<>();
            st.infos().forEach((k, i) -> described.put(k, i.dtype() + java.util.Arrays.toString(i.shape())));
            assertEquals(Map.of(
                    "Linear_1.weight.int8", "I8[7, 12]", "Linear_1.weight.int8_scale", "F32[12]",
                    "Linear_2.weight.int8", "I8[12, 5]", "Linear_2.weight.int8_scale", "F32[5]",
                    "Conv2d_2.weight.int8", "U8[32, 32, 3, 3]", "Conv2d_2.weight.int8_scale", "F32[32]"), described);
            assertEquals(Int8WeightsFile.FORMAT, st.metadata().get("format"));
            assertEquals(WeightFingerprint.of(weights), st.metadata().get("source"));
        }
    }

    @Test
    void mappedInt8WeightsGiveTheOutputsOfInt8WeightsQuantizedInMemory(@TempDir Path dir) throws Exception {
        Path weights = weights(dir, 5);
        Run inMemory = run(weights);
        assertEquals(List.of(), inMemory.int8Locations(), "no int8 file yet: quantized in memory");
        Path file = Int8WeightsFile.writeBeside(model(), weights);
        Run mapped = run(weights);
        assertEquals(6, mapped.int8Locations().size());
        assertTrue(mapped.int8Locations().stream().allMatch(file.getFileName().toString()::equals), mapped.int8Locations().toString());
        assertArrayEquals(bits(inMemory.output()), bits(mapped.output()));
    }

    @Test
    void aFileMadeFromOtherWeightsIsNotUsed(@TempDir Path dir) throws Exception {
        Int8WeightsFile.writeBeside(model(), weights(dir, 5));
        Path rewritten = weights(dir, 6);
        assertEquals(List.of(), run(rewritten).int8Locations());
    }

    private record Run(float[] output, List<String> int8Locations) {}

    /** The model's outputs on X with int8 weights, and the files its int8 weights are declared to come from (none: memory). */
    private static Run run(Path weights) throws Exception {
        Chain model = model();
        try (SafeTensors st = SafeTensors.open(weights)) {
            model.loadStateDict(st.all());
        }
        try (Runner runner = new Runner(RuntimeConfig.defaults().withThreads(1).withNchwcConvolutions(false));
             CompiledModel q = runner.compile(model, INT8, List.of(X), Map.of())) {
            List<String> locations = ModelProto.parseFrom(q.graph().model()).getGraph().getInitializerList().stream()
                    .filter(i -> i.getName().contains(".int8")).map(Int8WeightsFileTest::location).filter(l -> l.endsWith(".int8.safetensors")).toList();
            return new Run(q.run(List.of(X), Map.of()).output().toFloatArray(), locations);
        }
    }

    private static String location(TensorProto init) {
        return init.getExternalDataList().stream().filter(e -> e.getKey().equals("location")).findFirst().orElseThrow().getValue();
    }

    private static Path weights(Path dir, long seed) {
        Path file = dir.resolve("model.safetensors");
        SafeTensorsWriter.write(file, DetInit.stateDict(model().stateDictShapes(), seed));
        return file;
    }

    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }
}

package refiners.fluxion.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.onnx.Onnx.ModelProto;
import refiners.fluxion.compile.onnx.Onnx.StringStringEntryProto;
import refiners.fluxion.compile.onnx.Onnx.TensorProto;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsWriter;

/** Linear weights packed once by ONNX Runtime into a cached file, then mapped from it, give the unpacked results. */
@Isolated("sets the system property refiners.cache, which every detinit and NCHWc cache user reads")
class PrepackedGemmsTest {
    @Test
    void linearWeightsAreMappedPackedFromOneFileWrittenOnce(@TempDir Path dir) throws Exception {
        Chain model = new Chain(new Linear(256, 512), new SiLU(), new Linear(512, 256));
        Path file = dir.resolve("w.safetensors");
        SafeTensorsWriter.write(file, DetInit.stateDict(model.stateDictShapes(), 12));
        model.loadStateDict(SafeTensors.open(file).all());
        Tensor x = DetInit.tensor("input:prepacked", new long[] {2, 5, 256}, 1, 0, 1);
        String previous = System.getProperty("refiners.cache");
        System.setProperty("refiners.cache", dir.resolve("cache").toString());
        try (Runner packed = new Runner(RuntimeConfig.defaults().withThreads(1).withMappedPrepacking(true));
             Runner plain = new Runner(RuntimeConfig.defaults().withThreads(1));
             CompiledModel p = plain.compile(model, CompileOptions.defaults(), List.of(x), Map.of());
             CompiledModel m = packed.compile(model, CompileOptions.defaults(), List.of(x), Map.of())) {
            PrepackedGemms.Plan plan = PrepackedGemms.plan(m.graph());
            assertNotNull(plan);
            assertEquals(2, plan.fromFile().size(), "both Linear weights are read from the file");
            Path data = only(plan.folder(), ".data"), saved = only(plan.folder(), ".onnx");
            assertTrue(Files.size(data) >= 2 * 2 * 256 * 512 * 4L, "each weight as is, then packed");
            List<long[]> mapped = mapped(data);
            for (TensorProto t : ModelProto.parseFrom(Files.readAllBytes(saved)).getGraph().getInitializerList())
                for (StringStringEntryProto e : t.getExternalDataList()) {
                    if (e.getKey().equals("offset")) assertTrue(!covered(mapped, Long.parseLong(e.getValue())), "the weight as is is not read: " + t.getName());
                    if (e.getKey().startsWith("prepacked")) // KEY|OFFSET;LENGTH;CHECKSUM
                        assertTrue(covered(mapped, Long.parseLong(e.getValue().split("\\|")[1].split(";")[0])), "its packed copy is mapped: " + t.getName());
                }
            float[] yp = p.run(List.of(x), Map.of()).output().toFloatArray(), ym = m.run(List.of(x), Map.of()).output().toFloatArray();
            assertEquals(yp.length, ym.length);
            double max = 0;
            for (int i = 0; i < yp.length; i++) max = Math.max(max, Math.abs(yp[i] - ym[i]));
            assertTrue(max < 1e-4, "max |packed - plain| = " + max);
            FileTime written = Files.getLastModifiedTime(saved);
            assertEquals(plan.fromFile(), PrepackedGemms.plan(m.graph()).fromFile());
            assertEquals(written, Files.getLastModifiedTime(saved), "written once, then reused");
        } finally {
            if (previous == null) System.clearProperty("refiners.cache");
            else System.setProperty("refiners.cache", previous);
        }
    }

    /** The ranges of {@code file} this process maps: (first byte, end). */
    private static List<long[]> mapped(Path file) throws Exception {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith(" " + file)).map(l -> {
            String[] f = l.split("\\s+"), range = f[0].split("-");
            long offset = Long.parseLong(f[2], 16);
            return new long[] {offset, offset + Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16)};
        }).toList();
    }

    private static boolean covered(List<long[]> ranges, long offset) {
        return ranges.stream().anyMatch(r -> r[0] <= offset && offset < r[1]);
    }

    private static Path only(Path folder, String suffix) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> found = files.filter(f -> f.getFileName().toString().startsWith("gemm-") && f.toString().endsWith(suffix)).toList();
            assertEquals(1, found.size(), "gemm-*" + suffix + " in " + folder);
            return found.get(0);
        }
    }
}

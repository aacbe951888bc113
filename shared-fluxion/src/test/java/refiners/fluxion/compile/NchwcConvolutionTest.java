package refiners.fluxion.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.onnx.Onnx.ModelProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.OrtRuntime;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsWriter;

/** Convolutions on ONNX Runtime's NCHWc kernels, weights blocked into mapped cache files, agree with plain Conv. */
@Isolated("sets the system property refiners.cache, which every detinit and NCHWc cache user reads")
class NchwcConvolutionTest {
    @Test
    void copiesOfWeightFilesThatAreGoneOrChangedAreRemovedAndLinksShareOne(@TempDir Path dir) throws Exception {
        int block = OrtRuntime.nchwcBlockSize();
        String previous = System.getProperty("refiners.cache");
        System.setProperty("refiners.cache", dir.resolve("cache").toString());
        try {
            Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors"), link = dir.resolve("link.safetensors"), c = dir.resolve("c.safetensors");
            Conv2d conv = new Conv2d(block, block, 3);
            SafeTensorsWriter.write(a, DetInit.stateDict(conv.stateDictShapes(), 3));
            SafeTensorsWriter.write(b, DetInit.stateDict(conv.stateDictShapes(), 4));
            Files.createLink(link, b);
            Path copyOfA = copyDirectory(a, block), copyOfB = copyDirectory(b, block);
            assertEquals(copyOfB, copyDirectory(link, block), "a hard link shares its file's copy");
            assertTrue(!copyOfA.equals(copyOfB));
            Files.delete(a); // a temporary weight file, gone
            Files.delete(link);
            Files.writeString(b, "changed"); // rewritten in place: its copy is stale
            SafeTensorsWriter.write(c, DetInit.stateDict(conv.stateDictShapes(), 5));
            Path copyOfC = copyDirectory(c, block);
            assertTrue(Files.isDirectory(copyOfC));
            assertTrue(!Files.exists(copyOfA) && !Files.exists(copyOfB), "stale copies removed when a new file is blocked");
        } finally {
            if (previous == null) System.clearProperty("refiners.cache");
            else System.setProperty("refiners.cache", previous);
        }
    }

    private static Path copyDirectory(Path weights, int block) {
        return NchwcWeights.blocked(SafeTensors.open(weights).get("weight"), block).origin().file().getParent();
    }

    @Test
    void blockedConvolutionsMatchPlainOnesAndSkipReorderRoundTrips(@TempDir Path dir) throws Exception {
        int block = OrtRuntime.nchwcBlockSize();
        assertTrue(block == 8 || block == 16, "MLAS NCHWc block " + block);
        int c = 2 * block;
        // 3x3 conv, then a 1x1 conv straight on its output (its input reorder is skipped), then SiLU and a strided conv.
        Chain model = new Chain(new Conv2d(c, c, 3, 1, 1), new Conv2d(c, 2 * c, 1), new SiLU(), new Conv2d(2 * c, c, 3, 2, 1));
        Path file = dir.resolve("w.safetensors");
        SafeTensorsWriter.write(file, DetInit.stateDict(model.stateDictShapes(), 11));
        model.loadStateDict(SafeTensors.open(file).all());
        Tensor x = DetInit.tensor("input:nchwc", new long[] {2, c, 9, 7}, 1, 0, 1);
        String previous = System.getProperty("refiners.cache");
        System.setProperty("refiners.cache", dir.resolve("cache").toString());
        try (Runner blocked = new Runner(RuntimeConfig.defaults().withThreads(1));
             Runner plain = new Runner(RuntimeConfig.defaults().withThreads(1).withNchwcConvolutions(false));
             CompiledModel b = blocked.compile(model, CompileOptions.defaults(), List.of(x), Map.of());
             CompiledModel p = plain.compile(model, CompileOptions.defaults(), List.of(x), Map.of())) {
            List<NodeProto> nodes = ModelProto.parseFrom(b.graph().model()).getGraph().getNodeList();
            assertEquals(3, count(nodes, "Conv", "com.microsoft.nchwc"));
            assertEquals(2, count(nodes, "ReorderInput", "com.microsoft.nchwc"), "the 1x1 conv reads the 3x3 conv's blocked output");
            assertEquals(2, count(nodes, "ReorderOutput", "com.microsoft.nchwc"));
            assertEquals(0, count(nodes, "Conv", ""));
            assertTrue(b.graph().weights().values().stream().filter(t -> t.rank() == 4)
                    .allMatch(t -> t.origin() != null && t.origin().file().startsWith(dir.resolve("cache"))), "blocked weights are mapped from the cache");
            float[] yb = b.run(List.of(x), Map.of()).output().toFloatArray(), yp = p.run(List.of(x), Map.of()).output().toFloatArray();
            assertEquals(yp.length, yb.length);
            double max = 0;
            for (int i = 0; i < yp.length; i++) max = Math.max(max, Math.abs(yp[i] - yb[i]));
            assertTrue(max < 1e-4, "max |blocked - plain| = " + max);
        } finally {
            if (previous == null) System.clearProperty("refiners.cache");
            else System.setProperty("refiners.cache", previous);
        }
        assertTrue(Files.list(dir.resolve("cache")).findAny().isPresent());
    }

    private static long count(List<NodeProto> nodes, String op, String domain) {
        return nodes.stream().filter(n -> n.getOpType().equals(op) && n.getDomain().equals(domain)).count();
    }
}

package refiners;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsException;
import refiners.fluxion.safetensors.SafeTensorsWriter;

/**
 * A detinit model in float16 (each float32 detinit value rounded, as the published fp16 checkpoints are), written once
 * next to the detinit cache as MODEL-seedN-f16.safetensors and mapped from there: converting gigabytes in Java each
 * run costs tens of seconds.
 */
public final class HalfDetInit {
    private HalfDetInit() {}

    /** The file (written first when missing or not holding these shapes in float16). */
    public static Path file(String modelName, Map<String, long[]> shapes, long seed) {
        Path f32 = DetInit.cachedFile(modelName, shapes, seed);
        Path f16 = f32.resolveSibling(modelName + "-seed" + seed + "-f16.safetensors");
        if (holds(f16, shapes)) return f16;
        Map<String, SafeTensorsWriter.Entry> entries = new LinkedHashMap<>();
        Map<String, Tensor> source = DetInit.cachedStateDict(modelName, shapes, seed);
        source.forEach((k, t) -> entries.put(k, new SafeTensorsWriter.Entry(DType.F16, t.shape(), () -> t.to(DType.F16))));
        Path tmp = f16.resolveSibling(f16.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        SafeTensorsWriter.writeLazily(tmp, entries, Map.of("detinit", "v1", "seed", Long.toString(seed), "dtype", "f16"));
        try {
            Files.move(tmp, f16, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f16;
    }

    /** The state dict, mapped. */
    public static Map<String, Tensor> stateDict(String modelName, Map<String, long[]> shapes, long seed) {
        try (SafeTensors st = SafeTensors.open(file(modelName, shapes, seed))) {
            return st.all();
        }
    }

    private static boolean holds(Path file, Map<String, long[]> shapes) {
        if (!Files.exists(file)) return false;
        try (SafeTensors st = SafeTensors.open(file)) {
            if (!st.keys().equals(java.util.List.copyOf(shapes.keySet()))) return false;
            for (Map.Entry<String, long[]> e : shapes.entrySet())
                if (st.info(e.getKey()).dtype() != DType.F16 || !Arrays.equals(st.info(e.getKey()).shape(), e.getValue())) return false;
            return true;
        } catch (SafeTensorsException e) {
            return false;
        }
    }
}

package refiners.fluxion.compile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsWriter;

/**
 * A model's int8 weights written once beside its safetensors file (unet.safetensors: unet.int8.safetensors) by
 * `convert --quantize int8`, and mapped by the int8 lowering instead of quantizing in memory at session creation:
 * for every Linear and every Conv2d that lowers to int8, KEY.int8 and KEY.int8_scale (KEY: the float weight's
 * state-dict key), the very bytes Int8Weights computes. The file records the fingerprint of the weights it was made
 * from: one made from other weights is not used.
 */
public final class Int8WeightsFile {
    static final String FORMAT = "refiners-int8-v1";
    /** Per int8 file, its mapped tensors (mapped once: a second mapping would count the pages twice in resident memory). */
    private static final Map<Path, Index> MAPPED = new ConcurrentHashMap<>();

    /** An int8 file's tensors by the offset of the float weight they come from, and the fingerprint they match. */
    private record Index(String fingerprint, Map<Long, Int8Weights> byOffset) {}

    private Int8WeightsFile() {}

    /** Where the int8 file of {@code weights} lives: beside it, FILE.int8.safetensors. */
    public static Path beside(Path weights) {
        String name = weights.getFileName().toString();
        return weights.resolveSibling((name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name) + ".int8.safetensors");
    }

    /**
     * Writes the int8 forms of {@code model}'s Linear and int8 Conv2d weights, {@code model} loaded from (mapped)
     * {@code weights}, into {@link #beside}; the file written.
     */
    public static Path writeBeside(Chain model, Path weights) throws IOException {
        Map<Tensor, String> keys = new IdentityHashMap<>();
        try (SafeTensors st = SafeTensors.open(weights)) {
            model.loadStateDict(st.all());
        }
        model.stateDict().forEach((k, t) -> keys.put(t, k));
        Map<String, SafeTensorsWriter.Entry> entries = new LinkedHashMap<>();
        for (Linear l : model.layers(Linear.class, true)) add(entries, keys.get(l.parameter("weight")), l.parameter("weight"), false);
        for (Conv2d c : model.layers(Conv2d.class, true))
            if (c.lowersToInt8()) add(entries, keys.get(c.parameter("weight")), c.parameter("weight"), true);
        Path file = beside(weights);
        SafeTensorsWriter.writeLazily(file, entries, Map.of("format", FORMAT, "source", WeightFingerprint.of(weights)));
        return file;
    }

    /** KEY.int8 and KEY.int8_scale, quantized when the writer reaches the first (then the second is the same pair's). */
    private static void add(Map<String, SafeTensorsWriter.Entry> entries, String key, Tensor w, boolean conv) {
        Int8Weights[] pair = new Int8Weights[1];
        entries.put(key + ".int8", new SafeTensorsWriter.Entry(conv ? DType.U8 : DType.I8, Int8Weights.valuesShape(w.shape(), conv),
                () -> (pair[0] = Int8Weights.of(w, conv)).values()));
        entries.put(key + ".int8_scale", new SafeTensorsWriter.Entry(DType.F32, new long[] {w.dim(0)}, () -> {
            Tensor scales = pair[0].scales();
            pair[0] = null;
            return scales;
        }));
    }

    /**
     * The int8 form of {@code w} mapped from the int8 file beside the file {@code w} is mapped from, or null (no such
     * file, one made from other weights, or without this weight in this form): then it is computed in memory.
     */
    static Int8Weights mapped(Tensor w, boolean conv) throws IOException {
        if (w.origin() == null) return null;
        Path source = w.origin().file(), file = beside(source);
        if (!Files.isRegularFile(file)) return null;
        String fingerprint = WeightFingerprint.of(source);
        Index index = MAPPED.compute(file, (f, known) -> known != null && known.fingerprint().equals(fingerprint) ? known : index(source, f, fingerprint));
        Int8Weights q = index.byOffset().get(w.origin().offset());
        boolean fits = q != null && q.values().dtype() == (conv ? DType.U8 : DType.I8)
                && Arrays.equals(q.values().shape(), Int8Weights.valuesShape(w.shape(), conv)) && q.scales().numel() == w.dim(0);
        return fits ? q : null;
    }

    /** Maps an int8 file's tensors, by the offset of their float weight in {@code source}; none if it was made from other weights. */
    private static Index index(Path source, Path file, String fingerprint) {
        Map<Long, Int8Weights> byOffset = new HashMap<>();
        try (SafeTensors q = SafeTensors.open(file)) {
            if (!FORMAT.equals(q.metadata().get("format")) || !fingerprint.equals(q.metadata().get("source"))) {
                System.getLogger(Int8WeightsFile.class.getName()).log(System.Logger.Level.WARNING,
                        file.getFileName() + " was not made from " + source.getFileName() + " as it is now: int8 weights quantized in memory instead");
                return new Index(fingerprint, byOffset);
            }
            try (SafeTensors st = SafeTensors.open(source)) {
                for (String key : st.keys())
                    if (q.contains(key + ".int8") && q.contains(key + ".int8_scale"))
                        byOffset.put(st.offset(key), new Int8Weights(q.get(key + ".int8"), q.get(key + ".int8_scale")));
            }
        }
        return new Index(fingerprint, byOffset);
    }
}

package refiners.fluxion.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompiledGraph;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Compiler;
import refiners.fluxion.compile.NchwcCache;
import refiners.fluxion.compile.onnx.Onnx.GraphProto;
import refiners.fluxion.compile.onnx.Onnx.ModelProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;
import refiners.fluxion.compile.onnx.Onnx.OperatorSetIdProto;
import refiners.fluxion.compile.onnx.Onnx.StringStringEntryProto;
import refiners.fluxion.compile.onnx.Onnx.TensorProto;
import refiners.fluxion.compile.onnx.Onnx.TensorShapeProto;
import refiners.fluxion.compile.onnx.Onnx.TypeProto;
import refiners.fluxion.compile.onnx.Onnx.ValueInfoProto;

/**
 * The linear layers' weights already packed for ONNX Runtime's GEMM, mapped from a file instead of packed on every call.
 * ONNX Runtime (1.24) saves an optimized model's prepacked constant weights into its external data file
 * ({@code session.save_external_prepacked_constant_initializers}: each blob after its weight, named in the weight's
 * {@code external_data} as {@code prepacked_N}) and, loading a weight so declared, maps the blobs and hands them to
 * the kernels instead of packing (keyed by operator type: our {@code Gemm} nodes must stay Gemm, not be fused). So a
 * model of just those Gemms is saved once into the weight file's cache directory (beside its blocked convolution
 * weights, evicted with them), and a session declares those weights in that file rather than binding them. The file
 * holds each weight twice (as is, then packed): 2.16 GB for the SD 1.x UNet. The packed layout is ONNX
 * Runtime's and the CPU's, so the file's name hashes ONNX Runtime's version and the CPU's flags with the weights.
 */
final class PrepackedGemms {
    /** The model to create the session from, the weights it reads from {@code folder} (not to bind), the folder. */
    record Plan(byte[] model, Set<String> fromFile, Path folder) {}

    private static final AtomicBoolean WARNED = new AtomicBoolean();
    /** The CPU's flags, read once per process (every session's plan keys by them). */
    private static volatile String cpu;

    private PrepackedGemms() {}

    /** The plan for a graph, or null when none of its weights qualifies or the file cannot be written (logged once). */
    static Plan plan(CompiledGraph graph) {
        try {
            ModelProto model = ModelProto.parseFrom(graph.model());
            Map<String, Tensor> weights = packable(model.getGraph(), graph.weights());
            if (weights.isEmpty()) return null;
            Path source = weights.values().iterator().next().origin().file();
            weights.values().removeIf(w -> !w.origin().file().equals(source));
            String key = key(source, weights);
            Path dir = NchwcCache.directory(source, Math.max(0, OrtRuntime.nchwcBlockSize()));
            Path saved = dir.resolve("gemm-" + key + ".onnx");
            // both files checked: another process may have pruned this directory from the cache meanwhile
            if (!Files.isRegularFile(saved) || !Files.isRegularFile(dir.resolve("gemm-" + key + ".data"))) save(source, weights, dir, "gemm-" + key);
            Map<String, TensorProto> packed = new HashMap<>();
            for (TensorProto t : ModelProto.parseFrom(Files.readAllBytes(saved)).getGraph().getInitializerList())
                if (t.getExternalDataList().stream().anyMatch(e -> e.getKey().startsWith("prepacked"))) packed.put(t.getName(), t);
            GraphProto.Builder g = model.getGraph().toBuilder();
            Set<String> fromFile = new HashSet<>();
            for (int i = 0; i < g.getInitializerCount(); i++) {
                Tensor w = weights.get(g.getInitializer(i).getName());
                TensorProto p = w == null ? null : packed.get(auxName(w));
                if (p == null) continue;
                g.setInitializer(i, p.toBuilder().setName(g.getInitializer(i).getName()));
                fromFile.add(g.getInitializer(i).getName());
            }
            return fromFile.isEmpty() ? null : new Plan(model.toBuilder().setGraph(g).build().toByteArray(), fromFile, dir);
        } catch (IOException | OrtException | RuntimeException e) {
            if (!WARNED.getAndSet(true))
                System.getLogger(PrepackedGemms.class.getName()).log(System.Logger.Level.WARNING,
                        "cannot map prepacked linear weights (" + e.getMessage() + "): ONNX Runtime packs them on every call instead");
            return null;
        }
    }

    /**
     * Weights only ever read as a Gemm's B with transB (our Linear), float32, 2-D, from a file; by initializer name.
     * Any other use (another operator, another input) leaves a weight bound as it is.
     */
    private static Map<String, Tensor> packable(GraphProto g, Map<String, Tensor> bound) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        Set<String> other = new HashSet<>();
        for (NodeProto n : g.getNodeList())
            for (int i = 0; i < n.getInputCount(); i++) {
                String in = n.getInput(i);
                Tensor w = bound.get(in);
                if (w == null) continue;
                boolean gemmB = n.getOpType().equals("Gemm") && n.getDomain().isEmpty() && i == 1 && transB(n);
                if (gemmB && w.origin() != null && w.dtype() == DType.F32 && w.rank() == 2) out.put(in, w);
                else other.add(in);
            }
        out.keySet().removeAll(other);
        return out;
    }

    private static boolean transB(NodeProto n) {
        return n.getAttributeList().stream().anyMatch(a -> a.getName().equals("transB") && a.getI() == 1);
    }

    /** The saved model's name of a weight: its place in the source file (graphs over one file share the saved one). */
    private static String auxName(Tensor w) {
        return "w" + w.origin().offset() + "x" + w.dim(0) + "x" + w.dim(1);
    }

    /**
     * Saves the Gemms of {@code weights} with their prepacked blobs, through ONNX Runtime, into {@code dir}/NAME.onnx
     * and NAME.data: written in a folder of their own and moved in, the data first, so a model file is always whole.
     */
    private static void save(Path source, Map<String, Tensor> weights, Path dir, String name) throws IOException, OrtException {
        GraphProto.Builder g = GraphProto.newBuilder().setName("prepacked-gemms");
        Map<String, Tensor> distinct = new LinkedHashMap<>(); // graphs may bind one weight under several names
        weights.values().forEach(w -> distinct.putIfAbsent(auxName(w), w));
        for (Map.Entry<String, Tensor> e : distinct.entrySet()) {
            String n = e.getKey();
            Tensor w = e.getValue();
            g.addInitializer(TensorProto.newBuilder().setName(n).setDataType(DType.F32.onnxCode).addDims(w.dim(0)).addDims(w.dim(1))
                    .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", source.getFileName().toString()))
                    .addExternalData(entry("offset", Long.toString(w.origin().offset())))
                    .addExternalData(entry("length", Long.toString(w.byteSize()))));
            g.addInput(ValueInfoProto.newBuilder().setName("x" + n).setType(floats(1, w.dim(1))));
            g.addNode(NodeProto.newBuilder().setOpType("Gemm").addInput("x" + n).addInput(n).addOutput("y" + n)
                    .addAttribute(Attr.i("transB", 1)));
            g.addOutput(ValueInfoProto.newBuilder().setName("y" + n));
        }
        byte[] model = ModelProto.newBuilder().setIrVersion(Compiler.IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(Compiler.OPSET)).setGraph(g).build().toByteArray();
        Path tmp = Files.createTempDirectory(Files.createDirectories(dir), "tmp-");
        try {
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
                o.setIntraOpNumThreads(1);
                o.addConfigEntry("session.model_external_initializers_file_folder_path", source.toAbsolutePath().getParent().toString());
                o.setOptimizedModelFilePath(tmp.resolve(name + ".onnx").toString());
                o.addConfigEntry("session.optimized_model_external_initializers_file_name", name + ".data");
                o.addConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes", "1024");
                o.addConfigEntry("session.save_external_prepacked_constant_initializers", "1");
                OrtRuntime.environment().createSession(model, o).close();
            }
            Files.move(tmp.resolve(name + ".data"), dir.resolve(name + ".data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp.resolve(name + ".onnx"), dir.resolve(name + ".onnx"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            NchwcCache.written(Files.size(dir.resolve(name + ".data")));
        } finally {
            try (Stream<Path> left = Files.list(tmp)) {
                for (Path f : left.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(tmp);
        }
    }

    /** ONNX Runtime's version, this CPU and the weights (place and shape): what the packed bytes depend on. */
    private static String key(Path source, Map<String, Tensor> weights) throws IOException {
        MessageDigest sha = sha256();
        sha.update(OrtRuntime.environment().getVersion().getBytes(StandardCharsets.UTF_8));
        sha.update(cpu().getBytes(StandardCharsets.UTF_8));
        sha.update(source.getFileName().toString().getBytes(StandardCharsets.UTF_8));
        weights.values().stream().map(PrepackedGemms::auxName).sorted().distinct().forEach(n -> sha.update(n.getBytes(StandardCharsets.UTF_8)));
        return HexFormat.of().formatHex(sha.digest(), 0, 6);
    }

    /**
     * The CPU's model and instruction set flags, as Linux lists them: the packed layout depends on them, so a file
     * packed on another CPU (a shared models volume) must not be found. Without them there is no safe key.
     */
    private static String cpu() {
        String known = cpu;
        if (known != null) return known;
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return cpu = String.join("\n", lines.filter(l -> l.startsWith("model name") || l.startsWith("flags")).distinct().toList());
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new IllegalStateException("mapped prepacking keys its files by the CPU's flags, read from Linux's /proc/cpuinfo: not readable here", e);
        }
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static TypeProto floats(long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(DType.F32.onnxCode).setShape(s)).build();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

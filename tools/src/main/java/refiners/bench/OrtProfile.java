package refiners.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * ONNX Runtime profiles (SessionOptions.enableProfiling) summarized per call, the first (warm-up) call left out: kernel
 * time by op and by family (convolution, attention, linear layers, norms ...), side by side for several sessions.
 */
final class OrtProfile {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Milliseconds per call by op type and by family, and the number of kernels run per call. */
    record Summary(Map<String, Double> byOp, Map<String, Double> byFamily, Map<String, Integer> countByOp, double total, int calls, double gflop) {}

    private OrtProfile() {}

    static Summary read(Path file) {
        JsonNode events;
        try {
            events = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read profile " + file, e);
        }
        List<long[]> runs = new ArrayList<>();
        for (JsonNode e : events)
            if ("model_run".equals(e.path("name").asText())) runs.add(new long[] {e.path("ts").asLong(), e.path("ts").asLong() + e.path("dur").asLong()});
        runs.sort((a, b) -> Long.compare(a[0], b[0]));
        long warmEnd = runs.isEmpty() ? Long.MIN_VALUE : runs.get(0)[1];
        int calls = Math.max(1, runs.size() - 1);
        Map<String, Double> byOp = new HashMap<>(), byFamily = new HashMap<>();
        Map<String, Integer> count = new HashMap<>();
        double total = 0, flop = 0;
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText()) || !e.path("name").asText().endsWith("_kernel_time")) continue;
            if (e.path("ts").asLong() <= warmEnd) continue;
            JsonNode a = e.path("args");
            String op = a.path("op_name").asText("?");
            double ms = e.path("dur").asLong() / 1000.0 / calls;
            byOp.merge(op, ms, Double::sum);
            byFamily.merge(family(op, a.path("input_type_shape")), ms, Double::sum);
            count.merge(op, 1, Integer::sum);
            total += ms;
            flop += flop(op, a.path("input_type_shape"), a.path("output_type_shape")) / calls;
        }
        Map<String, Integer> perCall = new HashMap<>();
        count.forEach((k, v) -> perCall.put(k, v / calls));
        return new Summary(byOp, byFamily, perCall, total, calls, flop / 1e9);
    }

    /** What a kernel is for, judged from its op type and input ranks. */
    static String family(String op, JsonNode inputShapes) {
        return switch (op) {
            case "Conv", "FusedConv", "ConvTranspose" -> "convolution";
            case "ReorderInput", "ReorderOutput" -> "NCHWc layout reorders";
            case "MatMul", "FusedMatMul", "Gemm", "MatMulNBits" -> inputRank(inputShapes, 0) == 4 && inputRank(inputShapes, 1) == 4 ? "attention (matmul)" : "linear (matmul/gemm)";
            case "Softmax", "MultiHeadAttention", "Attention" -> "attention (softmax / fused)";
            case "GroupNormalization", "GroupNorm", "InstanceNormalization", "LayerNormalization", "SkipLayerNormalization",
                 "SimplifiedLayerNormalization", "SkipSimplifiedLayerNormalization" -> "normalization";
            case "Gelu", "BiasGelu", "FastGelu", "Erf", "Sigmoid", "QuickGelu", "Tanh", "Relu", "BiasSplitGelu" -> "activation";
            case "Add", "Mul", "Sub", "Div", "Sqrt", "Pow", "Neg", "Sum" -> "elementwise";
            case "Transpose", "Reshape", "Concat", "Split", "Slice", "Squeeze", "Unsqueeze", "Expand", "Cast", "Shape", "Gather",
                 "Identity", "Flatten", "ConstantOfShape", "Range", "Where", "Equal" -> "layout / shape / cast";
            case "Resize", "Upsample" -> "resize";
            default -> "other (" + op + ")";
        };
    }

    /** Multiply-adds x 2 of the kernels that do nearly all the arithmetic: convolutions, matrix products, attention. */
    static double flop(String op, JsonNode in, JsonNode out) {
        long[] y = shape(out, 0);
        return switch (op) {
            case "Conv", "FusedConv" -> { // per output element: Cin/group x kh x kw multiply-adds (weight dims 1..3)
                long[] w = shape(in, 1);
                yield y == null || w == null || w.length < 2 ? 0 : 2.0 * prod(y, 0) * prod(w, 1);
            }
            case "MatMul", "FusedMatMul", "Gemm" -> {
                long[] a = shape(in, 0);
                yield y == null || a == null ? 0 : 2.0 * prod(y, 0) * a[a.length - 1];
            }
            case "MultiHeadAttention" -> { // q k^T then p v: (B, Lq, E) x (B, Lk, E) twice
                long[] q = shape(in, 0), k = shape(in, 1);
                yield q == null || k == null ? 0 : 4.0 * q[0] * q[1] * k[1] * q[2];
            }
            default -> 0;
        };
    }

    private static long[] shape(JsonNode shapes, int i) {
        if (!shapes.isArray() || shapes.size() <= i) return null;
        var it = shapes.get(i).elements();
        if (!it.hasNext()) return null;
        JsonNode dims = it.next();
        long[] s = new long[dims.size()];
        for (int d = 0; d < s.length; d++) s[d] = dims.get(d).asLong();
        return s;
    }

    private static double prod(long[] s, int from) {
        double p = 1;
        for (int i = from; i < s.length; i++) p *= s[i];
        return p;
    }

    private static int inputRank(JsonNode shapes, int i) {
        if (!shapes.isArray() || shapes.size() <= i) return -1;
        JsonNode s = shapes.get(i);
        var it = s.elements();
        return it.hasNext() ? it.next().size() : -1;
    }

    /** Prints families then ops, ms per call for each side, and each side's total kernel time. */
    static void compare(List<String> names, List<Path> files, PrintStream out) {
        List<Summary> s = new ArrayList<>();
        for (Path f : files) s.add(read(f));
        out.println("\nONNX Runtime profiles (kernel ms per call, warm-up call left out): " + files);
        table(out, "family", names, s.stream().map(Summary::byFamily).toList(), null);
        table(out, "op", names, s.stream().map(Summary::byOp).toList(), s.stream().map(Summary::countByOp).toList());
        StringBuilder line = new StringBuilder(String.format("%-34s", "total kernel time"));
        for (Summary x : s) line.append(String.format(" %14.1f %6s", x.total(), ""));
        out.println(line);
        line = new StringBuilder(String.format("%-34s", "GFLOP per call (conv, matmul, MHA)"));
        for (Summary x : s) line.append(String.format(" %14.1f %6s", x.gflop(), ""));
        out.println(line);
    }

    private static void table(PrintStream out, String what, List<String> names, List<Map<String, Double>> cols, List<Map<String, Integer>> counts) {
        TreeSet<String> keys = new TreeSet<>();
        cols.forEach(c -> keys.addAll(c.keySet()));
        Map<String, Double> weight = new LinkedHashMap<>();
        for (String k : keys) weight.put(k, cols.stream().mapToDouble(c -> c.getOrDefault(k, 0.0)).max().orElse(0));
        StringBuilder head = new StringBuilder(String.format("%n%-34s", what));
        for (String n : names) head.append(String.format(" %14s %6s", n.length() > 14 ? n.substring(0, 14) : n, counts == null ? "" : "nodes"));
        out.println(head);
        weight.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).filter(e -> e.getValue() >= 0.05).forEach(e -> {
            StringBuilder line = new StringBuilder(String.format("%-34s", e.getKey()));
            for (int i = 0; i < cols.size(); i++)
                line.append(String.format(" %14.1f %6s", cols.get(i).getOrDefault(e.getKey(), 0.0),
                        counts == null ? "" : Integer.toString(counts.get(i).getOrDefault(e.getKey(), 0))));
            out.println(line);
        });
    }
}

package refiners.fluxion.runtime;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import refiners.fluxion.compile.onnx.Onnx.AttributeProto;
import refiners.fluxion.compile.onnx.Onnx.ModelProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;
import refiners.fluxion.compile.onnx.Onnx.OperatorSetIdProto;
import refiners.fluxion.compile.onnx.Onnx.TensorProto;
import refiners.fluxion.compile.onnx.Onnx.ValueInfoProto;

/**
 * Which nodes of a compiled graph ONNX Runtime's CUDA execution provider would not take (they would fall back to the
 * CPU mid-graph, with copies both ways). The Java API cannot ask the provider (no capability query), so this checks
 * each node's operator, opset and element type against the CUDA kernel table in cuda-kernels.tsv. Runs anywhere: a
 * graph compiled for "cuda" can be checked on a machine without a GPU.
 */
public final class CudaCoverage {
    /** A node the CUDA provider has no kernel for. */
    public record Gap(String node, String domain, String op, String type, String reason) {
        @Override
        public String toString() {
            return (domain.isEmpty() ? "" : domain + ".") + op + "(" + type + ") " + node + ": " + reason;
        }
    }

    private record Kernel(int from, int to, Set<String> types) {}

    private static final Map<String, List<Kernel>> KERNELS = load();

    private CudaCoverage() {}

    /** The gaps of a serialized ONNX model (as CompiledGraph.model()); empty when every node has a CUDA kernel. */
    public static List<Gap> gaps(byte[] model) {
        ModelProto m;
        try {
            m = ModelProto.parseFrom(model);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
        Map<String, Long> opsets = new HashMap<>();
        for (OperatorSetIdProto o : m.getOpsetImportList()) opsets.put(o.getDomain().equals("ai.onnx") ? "" : o.getDomain(), o.getVersion());
        Map<String, Integer> types = new HashMap<>(); // value name -> TensorProto.DataType
        for (ValueInfoProto v : m.getGraph().getInputList()) types.put(v.getName(), v.getType().getTensorType().getElemType());
        for (TensorProto t : m.getGraph().getInitializerList()) types.put(t.getName(), t.getDataType());
        List<Gap> gaps = new ArrayList<>();
        for (NodeProto n : m.getGraph().getNodeList()) {
            int type = n.getInputCount() > 0 ? types.getOrDefault(n.getInput(0), 0) : 0;
            int out = switch (n.getOpType()) {
                case "Cast" -> (int) attribute(n, "to");
                case "Shape" -> TensorProto.DataType.INT64_VALUE;
                case "ConstantOfShape" -> TensorProto.DataType.FLOAT_VALUE; // we always give it no value attribute or a float one
                default -> type;
            };
            for (String o : n.getOutputList()) types.put(o, out);
            String reason = check(n.getDomain(), n.getOpType(), opsets.getOrDefault(n.getDomain(), 0L), typeName(type));
            if (reason != null) gaps.add(new Gap(n.getName(), n.getDomain(), n.getOpType(), typeName(type), reason));
        }
        return gaps;
    }

    private static String check(String domain, String op, long opset, String type) {
        List<Kernel> kernels = KERNELS.get(domain + "\t" + op);
        if (kernels == null) return "no CUDA kernel known for this operator";
        for (Kernel k : kernels) {
            if (opset < k.from() || opset > k.to()) continue;
            return k.types().contains(type) ? null : "the CUDA kernel takes " + String.join(", ", k.types()) + ", not " + type;
        }
        return "no CUDA kernel for opset " + opset;
    }

    private static long attribute(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a.getI();
        return 0;
    }

    private static String typeName(int onnxType) {
        return switch (onnxType) {
            case TensorProto.DataType.FLOAT_VALUE -> "float";
            case TensorProto.DataType.FLOAT16_VALUE -> "float16";
            case TensorProto.DataType.BFLOAT16_VALUE -> "bfloat16";
            case TensorProto.DataType.DOUBLE_VALUE -> "double";
            case TensorProto.DataType.INT64_VALUE -> "int64";
            case TensorProto.DataType.INT32_VALUE -> "int32";
            case TensorProto.DataType.INT16_VALUE -> "int16";
            case TensorProto.DataType.INT8_VALUE -> "int8";
            case TensorProto.DataType.UINT8_VALUE -> "uint8";
            case TensorProto.DataType.BOOL_VALUE -> "bool";
            default -> "type " + onnxType;
        };
    }

    private static Map<String, List<Kernel>> load() {
        Map<String, List<Kernel>> out = new HashMap<>();
        var in = CudaCoverage.class.getResourceAsStream("cuda-kernels.tsv");
        if (in == null) throw new IllegalStateException("resource cuda-kernels.tsv missing");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            boolean header = true;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) continue;
                if (header) {
                    header = false;
                    continue;
                }
                String[] f = line.split("\t", -1);
                String[] v = f[2].split("-");
                Kernel k = new Kernel(Integer.parseInt(v[0]), v[1].equals("+") ? Integer.MAX_VALUE : Integer.parseInt(v[1]), Set.of(f[3].split(",")));
                out.computeIfAbsent(f[0] + "\t" + f[1], x -> new ArrayList<>()).add(k);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}

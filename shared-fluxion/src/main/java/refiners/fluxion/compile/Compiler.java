package refiners.fluxion.compile;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import refiners.fluxion.DType;
import refiners.fluxion.compile.onnx.Onnx.GraphProto;
import refiners.fluxion.compile.onnx.Onnx.ModelProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;
import refiners.fluxion.compile.onnx.Onnx.OperatorSetIdProto;
import refiners.fluxion.layers.Module;

/** Compiles a layer tree to an ONNX model (IR 10, opset 21, plus ONNX Runtime's com.microsoft and com.microsoft.nchwc ops). */
public final class Compiler {
    public static final int IR_VERSION = 10;
    public static final int OPSET = 21;

    /** A positional input's type and (policy-applied) shape. */
    public record InputSpec(DType dtype, long[] shape) {}

    private Compiler() {}

    /** Compiles for {@code device} ("cpu" or "cuda": float16 compute only on cuda) with the model's own contexts. */
    public static CompiledGraph compile(Module root, List<InputSpec> inputs, CompileOptions options, String device) {
        return compile(root, inputs, options, device, Map.of());
    }

    /** Compiles with per-call context values on top of the model's own (see Runner.run). */
    public static CompiledGraph compile(Module root, List<InputSpec> inputs, CompileOptions options, String device,
                                        Map<String, Map<String, Object>> contexts) {
        CompileOptions resolved = options.resolveTaps(root);
        Graph g = new Graph(resolved, device, Contexts.collect(root, contexts));
        List<Value> args = new ArrayList<>();
        List<String> inputNames = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            String name = "input_" + i;
            inputNames.add(name);
            args.add(g.input(name, inputs.get(i).dtype(), inputs.get(i).shape()));
        }
        List<Value> outs = g.call(root, null, args);
        List<String> outputNames = new ArrayList<>();
        for (int i = 0; i < outs.size(); i++) {
            String name = "output_" + i;
            g.output(name, outs.get(i));
            outputNames.add(name);
        }
        Map<String, String> taps = new LinkedHashMap<>();
        for (Tap t : resolved.taps()) {
            if (taps.containsKey(t.path())) continue;
            Value v = g.tapValues().get(t.path());
            if (v == null) throw new CompileException("tap path '" + t.path() + "' names no layer of the compiled " + root.className());
            String name = "tap_" + taps.size();
            g.output(name, v);
            taps.put(t.path(), name);
        }
        g.pruneUnusedConstants();
        weightNodesFirst(g.proto());
        java.nio.file.Path weightsFolder = relativizeWeightLocations(g.proto());
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("refiners-java")
                .setProducerVersion("0.1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        if (resolved.onnxRuntimeOperators())
            model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1))
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft.nchwc").setVersion(1));
        model.setGraph(g.proto());
        return new CompiledGraph(model.build().toByteArray(), new LinkedHashMap<>(g.weights()), inputNames, List.copyOf(g.contextFeeds()),
                outputNames, taps, g.proto().getNodeCount(), weightsFolder);
    }

    /**
     * Moves the nodes that read weights only (a float16 weight's Cast to float32) to the front of the node list.
     * ONNX Runtime orders a run by a depth-first walk back from the outputs that visits a node's later-listed inputs
     * first, so such a node listed just before its consumer, behind the consumer's other inputs, ran before all of
     * them: every weight's float32 cast was alive at once (twice the float16 bytes, per call). Listed first, each runs
     * just before its consumer and its buffer is reused by the next.
     */
    static void weightNodesFirst(GraphProto.Builder graph) {
        Set<String> initializers = new HashSet<>();
        for (var init : graph.getInitializerList()) initializers.add(init.getName());
        List<NodeProto> first = new ArrayList<>(), rest = new ArrayList<>();
        for (var n : graph.getNodeList())
            (n.getInputCount() > 0 && initializers.containsAll(n.getInputList()) ? first : rest).add(n);
        if (first.isEmpty()) return;
        graph.clearNode().addAllNode(first).addAllNode(rest);
    }

    /**
     * ONNX Runtime only accepts external data paths relative to one folder: point the declarations of file-backed
     * weights at their common folder. Returns it (null when no weight lives in a file).
     */
    private static java.nio.file.Path relativizeWeightLocations(GraphProto.Builder graph) {
        java.nio.file.Path common = null;
        for (var init : graph.getInitializerList()) {
            java.nio.file.Path p = externalFile(init);
            if (p == null) continue;
            java.nio.file.Path dir = p.getParent();
            if (common == null) common = dir;
            while (common != null && !dir.startsWith(common)) common = common.getParent();
        }
        if (common == null) return null;
        for (var init : graph.getInitializerBuilderList()) {
            java.nio.file.Path p = externalFile(init.build());
            if (p == null) continue;
            for (var e : init.getExternalDataBuilderList())
                if (e.getKey().equals("location")) e.setValue(common.relativize(p).toString());
        }
        return common;
    }

    private static java.nio.file.Path externalFile(refiners.fluxion.compile.onnx.Onnx.TensorProto init) {
        for (var e : init.getExternalDataList())
            if (e.getKey().equals("location") && e.getValue().startsWith("/")) return java.nio.file.Path.of(e.getValue());
        return null;
    }
}

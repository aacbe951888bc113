package refiners.bench;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import refiners.fluxion.compile.Compiler;
import refiners.fluxion.compile.onnx.Onnx.AttributeProto;
import refiners.fluxion.compile.onnx.Onnx.GraphProto;
import refiners.fluxion.compile.onnx.Onnx.ModelProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;
import refiners.fluxion.compile.onnx.Onnx.OperatorSetIdProto;
import refiners.fluxion.compile.onnx.Onnx.TensorProto;
import refiners.fluxion.compile.onnx.Onnx.TensorShapeProto;
import refiners.fluxion.compile.onnx.Onnx.TypeProto;
import refiners.fluxion.compile.onnx.Onnx.ValueInfoProto;

/**
 * A one-operator ONNX model written by hand (weights embedded), for micro-benchmarks of operator forms our compiler
 * does not emit: ONNX Runtime may transform and prepack these weights like an exported model's.
 */
final class OpModel {
    static final int FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6;
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("op");
    private int names;

    OpModel input(String name, long... shape) {
        graph.addInput(valueInfo(name, shape));
        return this;
    }

    OpModel output(String name) {
        graph.addOutput(ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(FLOAT))));
        return this;
    }

    /** An initializer of float values. */
    String floats(float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return init(FLOAT, b.array(), shape);
    }

    /** An initializer of int32 values. */
    String ints(int[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) b.putInt(v);
        return init(INT32, b.array(), shape);
    }

    /** An initializer of bytes (int8 or uint8). */
    String bytes(int type, byte[] values, long... shape) {
        return init(type, values.clone(), shape);
    }

    private String init(int type, byte[] raw, long[] shape) {
        String name = "w" + names++;
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type).setRawData(ByteString.copyFrom(raw));
        for (long d : shape) t.addDims(d);
        graph.addInitializer(t);
        return name;
    }

    /** A node; "" in inputs skips an optional one; outputs named by the caller. */
    OpModel node(String domain, String op, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + names++).addAllInput(inputs).addAllOutput(outputs);
        if (!domain.isEmpty()) n.setDomain(domain);
        for (AttributeProto a : attrs) n.addAttribute(a);
        graph.addNode(n);
        return this;
    }

    byte[] bytes() {
        return ModelProto.newBuilder().setIrVersion(Compiler.IR_VERSION).setProducerName("refiners-java-bench")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(Compiler.OPSET))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1))
                .setGraph(graph).build().toByteArray();
    }

    private static ValueInfoProto valueInfo(String name, long[] shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : shape) s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(s))).build();
    }
}

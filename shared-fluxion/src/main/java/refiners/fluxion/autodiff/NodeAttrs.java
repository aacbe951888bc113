package refiners.fluxion.autodiff;

import refiners.fluxion.compile.onnx.Onnx.AttributeProto;
import refiners.fluxion.compile.onnx.Onnx.NodeProto;

/** Reading a node's attributes with ONNX defaults. */
final class NodeAttrs {
    private NodeAttrs() {}

    static AttributeProto find(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) if (a.getName().equals(name)) return a;
        return null;
    }

    static long i(NodeProto n, String name, long def) {
        AttributeProto a = find(n, name);
        return a == null ? def : a.getI();
    }

    static float f(NodeProto n, String name, float def) {
        AttributeProto a = find(n, name);
        return a == null ? def : a.getF();
    }

    static String s(NodeProto n, String name, String def) {
        AttributeProto a = find(n, name);
        return a == null ? def : a.getS().toStringUtf8();
    }

    static long[] ints(NodeProto n, String name) {
        AttributeProto a = find(n, name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** The input at index i, or null when absent (ONNX marks a skipped optional input with an empty name). */
    static String input(NodeProto n, int i) {
        return i < n.getInputCount() && !n.getInput(i).isEmpty() ? n.getInput(i) : null;
    }

    static String describe(NodeProto n) {
        return (n.getDomain().isEmpty() ? "" : n.getDomain() + ":") + n.getOpType() + (n.getName().isEmpty() ? "" : " (node " + n.getName() + ")");
    }
}

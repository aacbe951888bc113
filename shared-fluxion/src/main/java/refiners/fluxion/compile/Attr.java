package refiners.fluxion.compile;

import com.google.protobuf.ByteString;
import refiners.fluxion.compile.onnx.Onnx.AttributeProto;
import refiners.fluxion.compile.onnx.Onnx.AttributeProto.AttributeType;

/** ONNX node attributes. */
public final class Attr {
    private Attr() {}

    public static AttributeProto i(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(v).build();
    }

    public static AttributeProto f(String name, double v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF((float) v).build();
    }

    public static AttributeProto s(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING).setS(ByteString.copyFromUtf8(v)).build();
    }

    public static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (long x : v) b.addInts(x);
        return b.build();
    }
}

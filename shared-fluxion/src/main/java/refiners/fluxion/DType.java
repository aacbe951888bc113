package refiners.fluxion;

/** Element types a {@link Tensor} can hold, with their safetensors names and ONNX type codes. */
public enum DType {
    F32("F32", 4, 1),
    F16("F16", 2, 10),
    BF16("BF16", 2, 16),
    F64("F64", 8, 11),
    I64("I64", 8, 7),
    I32("I32", 4, 6),
    I8("I8", 1, 3),
    U8("U8", 1, 2),
    BOOL("BOOL", 1, 9);

    public final String safetensorsName;
    public final int size;
    public final int onnxCode;

    DType(String safetensorsName, int size, int onnxCode) {
        this.safetensorsName = safetensorsName;
        this.size = size;
        this.onnxCode = onnxCode;
    }

    public boolean isFloatingPoint() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    public static DType fromSafetensors(String name) {
        for (DType d : values()) if (d.safetensorsName.equals(name)) return d;
        return null;
    }
}

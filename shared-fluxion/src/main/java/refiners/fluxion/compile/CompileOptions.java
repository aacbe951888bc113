package refiners.fluxion.compile;

import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.layers.Module;

/**
 * How to compile: the compute dtype (F32, or F16 with float inputs/outputs kept F32 at the boundary), the shape
 * policy, and taps (inner layers whose outputs are returned too, for debugging and parity checks).
 */
public record CompileOptions(DType dtype, ShapePolicy shapePolicy, List<Module> taps) {
    public CompileOptions {
        if (dtype != DType.F32 && dtype != DType.F16) throw new IllegalArgumentException("compile dtype must be F32 or F16, not " + dtype);
        taps = List.copyOf(taps);
    }

    public static CompileOptions defaults() {
        return new CompileOptions(DType.F32, ShapePolicy.STATIC, List.of());
    }

    public CompileOptions withDtype(DType d) {
        return new CompileOptions(d, shapePolicy, taps);
    }

    public CompileOptions withShapePolicy(ShapePolicy p) {
        return new CompileOptions(dtype, p, taps);
    }

    public CompileOptions withTaps(List<Module> t) {
        return new CompileOptions(dtype, shapePolicy, t);
    }
}

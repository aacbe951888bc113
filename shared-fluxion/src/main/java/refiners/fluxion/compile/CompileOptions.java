package refiners.fluxion.compile;

import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.layers.Module;
import refiners.fluxion.runtime.RuntimeConfig;

/**
 * How to compile: the model dtype (F32, or F16 with float inputs/outputs kept F32 at the boundary), the shape policy,
 * taps (inner layers whose outputs are returned too, for debugging and parity checks) and the target device.
 */
public record CompileOptions(DType dtype, ShapePolicy shapePolicy, List<Module> taps, String device) {
    public CompileOptions {
        if (dtype != DType.F32 && dtype != DType.F16) throw new IllegalArgumentException("compile dtype must be F32 or F16, not " + dtype);
        taps = List.copyOf(taps);
        if (!device.equals("cpu") && !device.equals("cuda")) throw new IllegalArgumentException("device must be cpu or cuda, not " + device);
    }

    public static CompileOptions defaults() {
        return new CompileOptions(DType.F32, ShapePolicy.STATIC, List.of(), RuntimeConfig.global().device());
    }

    public CompileOptions withDtype(DType d) {
        return new CompileOptions(d, shapePolicy, taps, device);
    }

    public CompileOptions withShapePolicy(ShapePolicy p) {
        return new CompileOptions(dtype, p, taps, device);
    }

    public CompileOptions withTaps(List<Module> t) {
        return new CompileOptions(dtype, shapePolicy, t, device);
    }
}

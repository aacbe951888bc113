package refiners.fluxion.compile;

import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.layers.Module;
import refiners.fluxion.runtime.RuntimeConfig;

/**
 * How to compile: the model dtype (F32, or F16 with float inputs/outputs kept F32 at the boundary), the shape policy,
 * taps (inner layers whose outputs are returned too, for debugging and parity checks), the target device, and the
 * contexts whose tensors' shapes are left free.
 */
public record CompileOptions(DType dtype, ShapePolicy shapePolicy, List<Module> taps, String device, java.util.Set<String> freeShapeContexts) {
    public CompileOptions {
        if (dtype != DType.F32 && dtype != DType.F16) throw new IllegalArgumentException("compile dtype must be F32 or F16, not " + dtype);
        taps = List.copyOf(taps);
        freeShapeContexts = java.util.Set.copyOf(freeShapeContexts);
        if (!device.equals("cpu") && !device.equals("cuda")) throw new IllegalArgumentException("device must be cpu or cuda, not " + device);
    }

    public static CompileOptions defaults() {
        return new CompileOptions(DType.F32, ShapePolicy.STATIC, List.of(), RuntimeConfig.global().device(), java.util.Set.of());
    }

    public CompileOptions withDtype(DType d) {
        return new CompileOptions(d, shapePolicy, taps, device, freeShapeContexts);
    }

    public CompileOptions withShapePolicy(ShapePolicy p) {
        return new CompileOptions(dtype, p, taps, device, freeShapeContexts);
    }

    /** Contexts whose tensors may change shape between runs without a new session (e.g. LoRA slots: any rank). */
    public CompileOptions withFreeShapeContexts(java.util.Set<String> contexts) {
        return new CompileOptions(dtype, shapePolicy, taps, device, contexts);
    }

    /** The shape a context tensor is compiled with: -1 where it may vary. */
    public long[] contextShape(String context, long[] shape) {
        if (freeShapeContexts.contains(context)) {
            long[] free = new long[shape.length];
            java.util.Arrays.fill(free, -1);
            return free;
        }
        return shapePolicy.apply(shape);
    }

    public CompileOptions withTaps(List<Module> t) {
        return new CompileOptions(dtype, shapePolicy, t, device, freeShapeContexts);
    }
}

package refiners.fluxion.compile;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import refiners.fluxion.DType;
import refiners.fluxion.layers.Module;

/**
 * How to compile: the model dtype (F32, or F16 with float inputs/outputs kept F32 at the boundary), the shape policy,
 * taps (inner layers whose outputs are returned too), the contexts whose tensors' shapes are left free, and the
 * operators layers may lower to (standard ONNX only, or ONNX Runtime's fused ones too) and the NCHWc block of
 * convolution weights (0: none), and the quantization of matrix products. Where the
 * model runs (the device) is not a compile option: it is the runner's (RuntimeConfig).
 */
public record CompileOptions(DType dtype, ShapePolicy shapePolicy, List<Tap> taps, Set<String> freeShapeContexts, Operators operators, int nchwcBlock,
                             Quantization quantization) {
    public CompileOptions {
        if (operators == null) throw new IllegalArgumentException("operators must be given (STANDARD or ONNX_RUNTIME)");
        if (nchwcBlock < 0 || (nchwcBlock > 0 && operators != Operators.ONNX_RUNTIME))
            throw new IllegalArgumentException("nchwcBlock must be 0, or > 0 with ONNX_RUNTIME operators, not " + nchwcBlock);
        if (dtype != DType.F32 && dtype != DType.F16) throw new IllegalArgumentException("compile dtype must be F32 or F16, not " + dtype);
        if (quantization == null) throw new IllegalArgumentException("quantization must be given (NONE or INT8)");
        if (quantization == Quantization.INT8 && (dtype != DType.F32 || operators != Operators.ONNX_RUNTIME))
            throw new IllegalArgumentException("quantization INT8 needs float32 and ONNX_RUNTIME operators");
        taps = List.copyOf(taps);
        freeShapeContexts = Set.copyOf(freeShapeContexts);
    }

    /** float32, static shapes, no taps, ONNX Runtime's fused operators. */
    public static CompileOptions defaults() {
        return new CompileOptions(DType.F32, ShapePolicy.STATIC, List.of(), Set.of(), Operators.ONNX_RUNTIME, 0, Quantization.NONE);
    }

    /** Standard ONNX operators only, or ONNX Runtime's fused ones too (see {@link Operators}). */
    public CompileOptions withOperators(Operators o) {
        return new CompileOptions(dtype, shapePolicy, taps, freeShapeContexts, o, o == Operators.ONNX_RUNTIME ? nchwcBlock : 0, quantization);
    }

    /**
     * Convolutions on ONNX Runtime's NCHWc kernels with weights blocked by this many channels (MLAS's block size on
     * this CPU: 8 with AVX2, 16 with AVX-512), stored blocked in cached files and mapped; 0: plain Conv. Runners set
     * it (see Runner.compile); graphs compiled with it only run where ONNX Runtime uses the same block size.
     */
    public CompileOptions withNchwcBlock(int block) {
        return new CompileOptions(dtype, shapePolicy, taps, freeShapeContexts, operators, block, quantization);
    }

    /** int8 matrix products for Linear and Conv2d (CPU only, see {@link Quantization}), or none. */
    public CompileOptions withQuantization(Quantization q) {
        return new CompileOptions(dtype, shapePolicy, taps, freeShapeContexts, operators, nchwcBlock, q);
    }

    /** Whether layers may lower to ONNX Runtime's own (com.microsoft) operators. */
    public boolean onnxRuntimeOperators() {
        return operators == Operators.ONNX_RUNTIME;
    }

    public CompileOptions withDtype(DType d) {
        return new CompileOptions(d, shapePolicy, taps, freeShapeContexts, operators, nchwcBlock, quantization);
    }

    public CompileOptions withShapePolicy(ShapePolicy p) {
        return new CompileOptions(dtype, p, taps, freeShapeContexts, operators, nchwcBlock, quantization);
    }

    /** Contexts whose tensors may change shape between runs without a new session (e.g. LoRA slots: any rank). */
    public CompileOptions withFreeShapeContexts(Set<String> contexts) {
        return new CompileOptions(dtype, shapePolicy, taps, contexts, operators, nchwcBlock, quantization);
    }

    /** The shape a context tensor is compiled with: -1 where it may vary. */
    public long[] contextShape(String context, long[] shape) {
        if (freeShapeContexts.contains(context)) {
            long[] free = new long[shape.length];
            Arrays.fill(free, -1);
            return free;
        }
        return shapePolicy.apply(shape);
    }

    /** Taps on these layers (replacing any others); read them with RunResult.tap(layer) or by path. */
    public CompileOptions withTaps(List<? extends Module> layers) {
        return new CompileOptions(dtype, shapePolicy, layers.stream().map(Tap::of).toList(), freeShapeContexts, operators, nchwcBlock, quantization);
    }

    /** Taps on the layers at these paths under the compiled root (replacing any others), e.g. "Chain_1.Residual_1". */
    public CompileOptions withTapPaths(List<String> paths) {
        return new CompileOptions(dtype, shapePolicy, paths.stream().map(Tap::at).toList(), freeShapeContexts, operators, nchwcBlock, quantization);
    }

    /** These options with every tap's path under {@code root} filled in. */
    public CompileOptions resolveTaps(Module root) {
        if (taps.stream().allMatch(t -> t.path() != null)) return this;
        return new CompileOptions(dtype, shapePolicy, taps.stream().map(t -> t.resolve(root)).toList(), freeShapeContexts, operators, nchwcBlock, quantization);
    }
}

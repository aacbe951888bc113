package refiners.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import refiners.fluxion.DType;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Operators;
import refiners.fluxion.compile.Quantization;
import refiners.fluxion.runtime.RuntimeConfig;

/** A named way to compile and run our models in the benches: compile options and a change to the runtime config. */
record BenchVariant(String name, String description, CompileOptions options, UnaryOperator<RuntimeConfig> runtimeChange) {
    static final Map<String, BenchVariant> ALL = new LinkedHashMap<>();

    static {
        add(new BenchVariant("plain", "standard ONNX operators only (no fused attention, plain Conv), zero copy",
                CompileOptions.defaults().withOperators(Operators.STANDARD), c -> c));
        add(new BenchVariant("no-nchwc", "ONNX Runtime's fused attention, plain Conv, zero copy", CompileOptions.defaults(), c -> c.withNchwcConvolutions(false)));
        add(new BenchVariant("default", "the defaults: fused attention, NCHWc convolutions on blocked weights mapped from the cache, zero copy",
                CompileOptions.defaults(), c -> c));
        add(new BenchVariant("prepacking", "default + ONNX Runtime prepacking (copies weights)", CompileOptions.defaults(), c -> c.withPrepacking(true)));
        add(new BenchVariant("mapped-prepacking", "default + the linear layers' weights mapped already packed for ONNX Runtime's GEMM from a file it"
                + " wrote once into the cache (zero copy, more disk)", CompileOptions.defaults(), c -> c.withMappedPrepacking(true)));
        add(new BenchVariant("rewrites", "no-nchwc + prepacking + ONNX Runtime's own weight rewrites (its NCHWc transformer, folding: copies)",
                CompileOptions.defaults(), c -> c.withNchwcConvolutions(false).withPrepacking(true).withWeightRewrites(true)));
        add(new BenchVariant("int8", "Linear and Conv2d in int8 (DynamicQuantizeMatMul, ConvInteger), weights quantized per channel (mapped from"
                + " FILE.int8.safetensors when convert wrote one, else into memory at session creation), prepacking on; not yet validated on real weights",
                CompileOptions.defaults().withQuantization(Quantization.INT8), c -> c.withPrepacking(true)));
        add(new BenchVariant("f16", "default with float16 weights mapped from a float16 file (computed in float32 on CPU: no NCHWc)", CompileOptions.defaults().withDtype(DType.F16), c -> c));
    }

    private static void add(BenchVariant v) {
        ALL.put(v.name(), v);
    }

    static BenchVariant named(String name) {
        BenchVariant v = ALL.get(name);
        if (v == null) throw new IllegalArgumentException("unknown variant '" + name + "' (known: " + String.join(", ", ALL.keySet()) + ")");
        return v;
    }

    RuntimeConfig runtime(RuntimeConfig base) {
        return runtimeChange.apply(base);
    }

    /** "name: description; ..." for the usage text. */
    static String describeAll() {
        StringBuilder b = new StringBuilder();
        ALL.values().forEach(v -> b.append(b.isEmpty() ? "" : "; ").append(v.name()).append(" (").append(v.description()).append(")"));
        return b.toString();
    }
}

package refiners.fluxion.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import refiners.FullSizeModels;
import refiners.fluxion.DetInit;
import refiners.conversion.SD1Component;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Compiler;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Module;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Autoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/** The three SD1 graphs, compiled in float16 for cuda (no GPU needed to compile), have a CUDA kernel for every node. */
@FullSizeModels
class CudaCoverageTest {
    private static final CompileOptions F16 = CompileOptions.defaults().withDtype(DType.F16);

    private static List<CudaCoverage.Gap> gaps(Module m, long[] input, DType inputType, Map<String, Map<String, Object>> ctx) {
        return CudaCoverage.gaps(Compiler.compile(m, List.of(new Compiler.InputSpec(inputType, input)), F16, "cuda", ctx).model());
    }

    /** The detinit SD1 models with float16 weights (mapped, written once): compiling then converts no weight. */
    private static SD1Models halfModels() {
        SD1Models m = new SD1Models(new CLIPTextEncoderL(), new SD1UNet(4), new SD1Autoencoder(), "detinit f16");
        m.textEncoder().loadStateDict(DetInit.cachedHalfStateDict("CLIPTextEncoderL", m.textEncoder().stateDictShapes(), SD1Component.TEXT_ENCODER.detinitSeed));
        m.unet().loadStateDict(DetInit.cachedHalfStateDict("SD1UNet", m.unet().stateDictShapes(), SD1Component.UNET.detinitSeed));
        m.autoencoder().loadStateDict(DetInit.cachedHalfStateDict("SD1Autoencoder", m.autoencoder().stateDictShapes(), SD1Component.AUTOENCODER.detinitSeed));
        return m;
    }

    @Test
    void sd1GraphsRunWhollyOnCuda() {
        SD1Models models = halfModels();
        Map<String, Map<String, Object>> unetContext = Map.of(
                "diffusion", Map.of("timestep", Tensor.ofFloats(new long[] {1}, 500)),
                "cross_attention_block", Map.of("clip_text_embedding", Tensor.zeros(DType.F32, 2, 77, 768)));
        assertEquals(List.of(), gaps(models.unet(), new long[] {2, 4, 32, 32}, DType.F32, unetContext));
        assertEquals(List.of(), gaps(models.textEncoder(), new long[] {2, 77}, DType.I64, Map.of()));
        assertEquals(List.of(), gaps(models.autoencoder().decodeChain(), new long[] {1, 4, 32, 32}, DType.F32, Map.of()));
        assertEquals(List.of(), gaps(models.autoencoder().encodeChain(), new long[] {1, 3, 256, 256}, DType.F32, Map.of()));
    }

    /** An operator without a CUDA kernel (opset 21 GroupNormalization is a function ORT expands on the CPU) is reported. */
    @Test
    void reportsNodesWithoutAKernel() {
        Module groupNorm = new Module() {
            @Override
            public List<Value> lower(Graph g, List<Value> args) {
                Value x = args.get(0);
                Value ones = g.constant(Tensor.ofFloats(new long[] {4}, 1, 1, 1, 1).to(x.dtype()));
                return List.of(g.node("GroupNormalization", List.of(x, ones, ones), List.of(Attr.i("num_groups", 2)), x.dtype(), x.shape()));
            }
        };
        List<CudaCoverage.Gap> gaps = gaps(groupNorm, new long[] {1, 4, 2, 2}, DType.F32, Map.of());
        assertEquals(1, gaps.size(), gaps.toString());
        assertEquals("GroupNormalization", gaps.get(0).op());
        assertTrue(gaps.get(0).reason().contains("no CUDA kernel"), gaps.get(0).reason());
    }
}

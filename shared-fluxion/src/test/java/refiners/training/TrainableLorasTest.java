package refiners.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import refiners.FullSizeModels;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;

/** refiners' LoRA initialisation (up = 0) leaves the adapted UNet's output exactly the base model's. */
@FullSizeModels
class TrainableLorasTest {
    @Test
    void zeroUpWeightsGiveTheBaseOutputExactly() {
        SD1Models base = SD1Models.detinit(), adapted = BaseModels.sharingWeights(base);
        TrainableLoras unetLoras = TrainableLoras.install(adapted.unet(), "unet", List.of("CrossAttentionBlock2d"), 4, 1.0);
        TrainableLoras teLoras = TrainableLoras.install(adapted.textEncoder(), "text_encoder", List.of("TransformerLayer"), 4, 1.0);
        unetLoras.initialize(new Random(1));
        teLoras.initialize(new Random(2));
        assertEquals(160, unetLoras.loras().size());
        assertEquals(72, teLoras.loras().size());
        assertTrue(unetLoras.parameters().get(0).value()[0] != 0, "down is random");

        Tensor ids = base.textEncoder().tokenizer().tokenize(List.of("a cat on a mat"));
        Tensor baseEmbedding = Runner.shared().run(base.textEncoder(), CompileOptions.defaults(), List.of(ids)).output();
        Tensor adaptedEmbedding = Runner.shared().run(adapted.textEncoder(), CompileOptions.defaults(), List.of(ids), teLoras.contexts()).output();
        // Not bitwise: ONNX Runtime fuses the last residual Add and its bias into SkipLayerNormalization in the base graph
        // only (the slot's Add sits between them), which sums in another order: ~1 ulp.
        assertSame("text encoder", baseEmbedding, adaptedEmbedding, 1e-6);

        Tensor x = DetInit.tensor("input:zero-up.x", new long[] {1, 4, 8, 8}, 5, 0, 1);
        Map<String, Map<String, Object>> ctx = new LinkedHashMap<>();
        ctx.put("diffusion", Map.of("timestep", Tensor.ofLongs(new long[] {1}, 250)));
        ctx.put(CrossAttentionBlock.CONTEXT, Map.of("clip_text_embedding", baseEmbedding));
        Tensor baseOut = Runner.shared().run(base.unet(), CompileOptions.defaults(), List.of(x), ctx).output();
        ctx.putAll(unetLoras.contexts());
        Tensor adaptedOut = Runner.shared().run(adapted.unet(), CompileOptions.defaults(), List.of(x), ctx).output();
        assertSame("unet", baseOut, adaptedOut, 0);
    }

    private static void assertSame(String what, Tensor expected, Tensor actual, double tolerance) {
        float[] a = expected.toFloatArray(), b = actual.toFloatArray();
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++)
            if (!(Math.abs(a[i] - b[i]) <= tolerance * Math.max(1, Math.abs(a[i])))) throw new AssertionError(what + ": element " + i + " is " + b[i] + ", base " + a[i]);
    }

    @Test
    void unknownBlockClassIsAnError() {
        SD1Models m = SD1Models.detinit();
        var e = assertThrows(IllegalArgumentException.class, () -> TrainableLoras.install(m.unet(), "unet", List.of("CrossAttentionBlock3d"), 4, 1.0));
        assertTrue(e.getMessage().contains("CrossAttentionBlock3d"), e.getMessage());
    }
}

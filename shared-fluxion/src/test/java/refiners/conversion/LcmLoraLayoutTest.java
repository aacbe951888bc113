package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.FullSizeModels;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.BatchedLoraSlots;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/** An LCM-LoRA in the published SD1.5 layout loads with every key used, fills a slot per layer and changes the output. */
@FullSizeModels
class LcmLoraLayoutTest {
    @TempDir
    Path dir;

    final Map<String, long[]> unetShapes = new SD1UNet(4).stateDictShapes(), textEncoderShapes = new CLIPTextEncoderL().stateDictShapes();

    Map<String, Tensor> published() {
        return LcmLoraLayout.detinit(unetShapes, 4, 2, 7); // rank 4 keeps the test small; the layout is the published one
    }

    LoraFile parse(Map<String, Tensor> tensors) {
        return LoraFormats.parse("lcm.safetensors", "lcm", tensors, unetShapes, textEncoderShapes, -1);
    }

    @Test
    void theLayoutNamesEveryModuleTheDistillationAdapts() {
        // SD1.5: 16 transformer blocks (attn1, attn2: 4 projections each; ff: 2 Linears) with proj_in/proj_out around
        // each; 22 resnets (conv1, conv2, time_emb_proj), 14 of them with a conv_shortcut; 3 downsamplers, 3 upsamplers
        assertEquals(16 * (4 + 4 + 2) + 16 * 2 + 22 * 3 + 14 + 3 + 3, LcmLoraLayout.modules().size());
        for (String target : LcmLoraLayout.TARGETS)
            assertTrue(LcmLoraLayout.modules().stream().anyMatch(m -> m.endsWith(target)), target + " names no module");
        assertEquals(3 * LcmLoraLayout.modules().size(), published().size());
    }

    @Test
    void everyKeyOfThePublishedLayoutIsUsed() {
        Map<String, Tensor> file = published();
        LoraFile lora = parse(file);
        assertEquals("kohya", lora.format());
        assertEquals(LcmLoraLayout.modules().size(), lora.unet().size(), "one layer per module, three keys each");
        assertTrue(lora.textEncoder().isEmpty());
        Map<String, String> refinersModule = LoraFormats.kohyaUnet();
        for (String module : LcmLoraLayout.modules()) {
            String key = "lora_unet_" + module.replace('.', '_');
            LoraFile.Layer layer = lora.unet().get(refinersModule.get(module.replace('.', '_')));
            assertArrayEquals(file.get(key + ".lora_down.weight").toFloatArray(), layer.down().toFloatArray(), module);
            assertArrayEquals(file.get(key + ".lora_up.weight").toFloatArray(), layer.up().toFloatArray(), module);
            assertEquals(2.0 / 4, layer.factor(1.0), 1e-12, module);
        }
        // every layer lands in a slot of the served UNet; the 3x3 convolutions' are shared by a batch
        BatchedLoraSlots.Prepared prepared = BatchedLoraSlots.install(new SD1UNet(4), l -> true).prepare(lora.unetWeights(1.0));
        assertEquals(lora.unet().size(), prepared.blocks().size() + prepared.sharedWeights().size());
        long threeByThree = lora.unet().values().stream().filter(l -> l.down().rank() == 4 && l.down().dim(2) == 3).count();
        assertEquals(threeByThree, prepared.sharedWeights().size());
        assertTrue(threeByThree > 0);
    }

    @Test
    void theDiffusersLayoutOfTheSameLoraIsTheSameLora() {
        Map<String, Tensor> kohya = published(), peft = new LinkedHashMap<>();
        for (String module : LcmLoraLayout.modules()) {
            String k = "lora_unet_" + module.replace('.', '_');
            peft.put("unet." + module + ".lora_A.weight", kohya.get(k + ".lora_down.weight"));
            peft.put("unet." + module + ".lora_B.weight", kohya.get(k + ".lora_up.weight"));
            peft.put("unet." + module + ".alpha", kohya.get(k + ".alpha"));
        }
        LoraFile a = parse(kohya), b = parse(peft);
        assertEquals("diffusers", b.format());
        assertEquals(a.unet().keySet(), b.unet().keySet());
        a.unet().forEach((k, l) -> assertArrayEquals(l.up().toFloatArray(), b.unet().get(k).up().toFloatArray(), k));
    }

    @Test
    void aKeyOutsideTheLayoutIsAnErrorNotDropped() {
        Map<String, Tensor> extra = new LinkedHashMap<>(published());
        extra.put("lora_unet_down_blocks_0_resnets_0_conv1.dora_scale", Tensor.zeros(DType.F16, 1, 320, 1, 1));
        ConversionException e = assertThrows(ConversionException.class, () -> parse(extra));
        assertTrue(e.getMessage().contains("dora_scale"), e.getMessage());
        Map<String, Tensor> norm = new LinkedHashMap<>(published());
        norm.put("lora_unet_conv_norm_out.lora_down.weight", Tensor.zeros(DType.F16, 4, 320));
        norm.put("lora_unet_conv_norm_out.lora_up.weight", Tensor.zeros(DType.F16, 320, 4));
        e = assertThrows(ConversionException.class, () -> parse(norm));
        assertTrue(e.getMessage().contains("do not fit the layer"), e.getMessage());
    }

    @Test
    void servedFromTheLoraDirectoryItChangesTheOutput() {
        SafeTensorsWriter.write(dir.resolve("lcm.safetensors"), LcmLoraLayout.detinit(unetShapes, LcmLoraLayout.RANK, LcmLoraLayout.ALPHA, 7));
        LocalStages stages = new LocalStages(SD1Models.detinit(), LocalStages.DEFAULT_OPTIONS, new LoraLibrary(dir));
        Tensor x = DetInit.tensor("input:x", new long[] {1, 4, 8, 8}, 5, 0, 1);
        Tensor emb = stages.encodeText(List.of("a photo of a cat"), List.of());
        float[][] outs = new float[2][];
        List<List<LoraWeight>> sets = List.of(List.of(), List.of(new LoraWeight("lcm", 1.0)));
        for (int i = 0; i < 2; i++) // guidance 1: the LCM recipe's one UNet sample per step
            try (var d = stages.openDenoiser(new SD1Stages.Conditioning(emb, null, 1.0, sets.get(i), x.shape()))) {
                outs[i] = d.guidedNoise(0, 759, x).toFloatArray();
            }
        double diff = 0;
        for (int i = 0; i < outs[0].length; i++) {
            assertTrue(Float.isFinite(outs[1][i]));
            diff = Math.max(diff, Math.abs(outs[0][i] - outs[1][i]));
        }
        assertTrue(diff > 1e-3, "the LCM-LoRA changes the UNet's output (max difference " + diff + ")");
    }
}

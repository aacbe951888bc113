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
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/** The same LoRA written as kohya, diffusers/PEFT and refiners files loads to the same layers and the same outputs. */
@FullSizeModels
class LoraFormatsTest {
    @TempDir
    Path dir;

    /** (diffusers module, refiners module, down shape, up shape) for a few layers of each model, and alphas. */
    record Layer(String model, String diffusers, String refiners, long[] down, long[] up) {}

    static final List<Layer> LAYERS = List.of(
            new Layer("unet", "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q",
                    "DownBlocks.Chain_2.CLIPLCrossAttention.Chain_2.CrossAttentionBlock.Residual_1.SelfAttention.Distribute.Linear_1", new long[] {4, 320}, new long[] {320, 4}),
            new Layer("unet", "down_blocks.0.attentions.0.proj_in", "DownBlocks.Chain_2.CLIPLCrossAttention.Chain_1.Conv2d", new long[] {4, 320, 1, 1}, new long[] {320, 4, 1, 1}),
            new Layer("unet", "up_blocks.3.resnets.2.conv1", "UpBlocks.Chain_12.ResidualBlock.Chain.RangeAdapter2d.Conv2d", new long[] {4, 640, 3, 3}, new long[] {320, 4, 1, 1}),
            new Layer("text_encoder", "text_model.encoder.layers.3.self_attn.v_proj",
                    "TransformerLayer_4.Residual_1.SelfAttention.Distribute.Linear_3", new long[] {4, 768}, new long[] {768, 4}),
            new Layer("text_encoder", "text_model.encoder.layers.11.mlp.fc2", "TransformerLayer_12.Residual_2.FeedForward.Linear_2", new long[] {4, 3072}, new long[] {768, 4}));

    private Path write(String name, Map<String, Tensor> tensors) {
        Path f = dir.resolve(name + ".safetensors");
        SafeTensorsWriter.write(f, tensors);
        return f;
    }

    private Map<String, Tensor> file(String format) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Layer l : LAYERS) {
            Tensor down = DetInit.tensor("down:" + l.refiners(), l.down(), 9), up = DetInit.tensor("up:" + l.refiners(), l.up(), 9);
            Tensor alpha = Tensor.ofFloats(new long[0], 2f); // alpha 2, rank 4: factor = scale / 2
            switch (format) {
                case "kohya" -> {
                    String k = (l.model().equals("unet") ? "lora_unet_" : "lora_te_") + l.diffusers().replace('.', '_');
                    t.put(k + ".lora_down.weight", down);
                    t.put(k + ".lora_up.weight", up);
                    t.put(k + ".alpha", alpha);
                }
                case "peft" -> {
                    t.put(l.model() + "." + l.diffusers() + ".lora_A.weight", down);
                    t.put(l.model() + "." + l.diffusers() + ".lora_B.weight", up);
                    t.put(l.model() + "." + l.diffusers() + ".alpha", alpha);
                }
                default -> {
                    t.put(l.model() + "." + l.refiners() + ".down.weight", down);
                    t.put(l.model() + "." + l.refiners() + ".up.weight", up);
                    t.put(l.model() + "." + l.refiners() + ".alpha", alpha);
                }
            }
        }
        return t;
    }

    @Test
    void kohyaDiffusersAndRefinersFilesAreTheSameLora() {
        Map<String, long[]> unetKeys = new SD1UNet(4).stateDictShapes(), teKeys = new CLIPTextEncoderL().stateDictShapes();
        LoraFile kohya = LoraFormats.read(write("k", file("kohya")), "k", unetKeys, teKeys);
        LoraFile peft = LoraFormats.read(write("p", file("peft")), "p", unetKeys, teKeys);
        LoraFile ref = LoraFormats.read(write("r", file("refiners")), "r", unetKeys, teKeys);
        assertEquals("kohya", kohya.format());
        assertEquals("diffusers", peft.format());
        assertEquals("refiners", ref.format());
        for (LoraFile f : List.of(kohya, peft)) {
            assertEquals(ref.unet().keySet(), f.unet().keySet());
            assertEquals(ref.textEncoder().keySet(), f.textEncoder().keySet());
            ref.unet().forEach((k, l) -> {
                assertArrayEquals(l.down().toFloatArray(), f.unet().get(k).down().toFloatArray());
                assertEquals(0.75 * 2 / 4, f.unet().get(k).factor(0.75), 1e-12);
            });
        }
    }

    @Test
    void sameOutputsThroughTheLibrary() {
        write("k", file("kohya"));
        write("p", file("peft"));
        write("r", file("refiners"));
        SD1Models models = SD1Models.detinit();
        LocalStages stages = new LocalStages(models, LocalStages.DEFAULT_OPTIONS, new LoraLibrary(dir));
        List<String> prompts = List.of("a photo of a cat");
        float[] base = stages.encodeText(prompts, List.of()).toFloatArray();
        float[] r = stages.encodeText(prompts, List.of(new GenerationRequest.LoraWeight("r", 0.8))).toFloatArray();
        assertArrayEquals(r, stages.encodeText(prompts, List.of(new GenerationRequest.LoraWeight("k", 0.8))).toFloatArray());
        assertArrayEquals(r, stages.encodeText(prompts, List.of(new GenerationRequest.LoraWeight("p", 0.8))).toFloatArray());
        assertTrue(maxDiff(base, r) > 1e-4, "the LoRA changes the text embedding");
        Tensor x = DetInit.tensor("input:x", new long[] {1, 4, 8, 8}, 5, 0, 1);
        Tensor emb = stages.encodeText(List.of("", "cat"), List.of());
        float[][] outs = new float[3][];
        String[] names = {"k", "p", "r"};
        for (int i = 0; i < 3; i++) {
            try (var d = stages.openDenoiser(new refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages.Conditioning(
                    refiners.fluxion.Tensors.narrow(emb, 1, 1), refiners.fluxion.Tensors.narrow(emb, 0, 1), 7.5,
                    List.of(new GenerationRequest.LoraWeight(names[i], 1.0)), x.shape()))) {
                outs[i] = d.guidedNoise(0, 500, x).toFloatArray();
            }
        }
        assertArrayEquals(outs[2], outs[0]);
        assertArrayEquals(outs[2], outs[1]);
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @Test
    void unknownKeysAndOtherArchitecturesAreClearErrors() {
        Map<String, long[]> unetKeys = new SD1UNet(4).stateDictShapes(), teKeys = new CLIPTextEncoderL().stateDictShapes();
        Map<String, Tensor> bad = new LinkedHashMap<>(file("kohya"));
        bad.put("lora_unet_down_blocks_9_attentions_0_proj_in.lora_down.weight", Tensor.zeros(refiners.fluxion.DType.F32, 4, 320));
        ConversionException e = assertThrows(ConversionException.class, () -> LoraFormats.parse("bad.safetensors", "bad", bad, unetKeys, teKeys, -1));
        assertTrue(e.getMessage().contains("down_blocks_9") && e.getMessage().contains("name no SD 1.x layer"), e.getMessage());
        Map<String, Tensor> sdxl = Map.of("lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", Tensor.zeros(refiners.fluxion.DType.F32, 4, 1280));
        e = assertThrows(ConversionException.class, () -> LoraFormats.parse("xl.safetensors", "xl", sdxl, unetKeys, teKeys, -1));
        assertTrue(e.getMessage().contains("another architecture"), e.getMessage());
        assertThrows(refiners.fluxion.InvalidRequestException.class, () -> new LoraLibrary(dir).load("../etc/passwd"));
        assertThrows(WeightsDirectory.NotFoundException.class, () -> new LoraLibrary(dir).load("missing"));
    }
}

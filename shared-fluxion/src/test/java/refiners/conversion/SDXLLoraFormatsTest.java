package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.DoubleTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLUNet;

/**
 * SDXL LoRA files under the names kohya's sd-scripts (SGM UNet paths, lora_te1_ / lora_te2_ with transformers paths),
 * kohya files converted from diffusers (diffusers UNet paths) and diffusers/PEFT (text_encoder_2.) write, with detinit
 * values, land on the SDXLUNet and DoubleTextEncoder layers; SD 1.x files are refused on SDXL and SDXL files on SD 1.x.
 */
class SDXLLoraFormatsTest {
    static Map<String, long[]> unet, textEncoder, sd1Unet, sd1TextEncoder;

    @BeforeAll
    static void shapes() {
        unet = new SDXLUNet(4).stateDictShapes();
        textEncoder = new DoubleTextEncoder().stateDictShapes();
        sd1Unet = new SD1UNet(4).stateDictShapes();
        sd1TextEncoder = new CLIPTextEncoderL().stateDictShapes();
    }

    /** kohya name -> (refiners layer, down shape, up shape), the layer written by hand from the architectures. */
    record Layer(String kohya, String peft, String model, String refiners, long[] down, long[] up) {}

    static final String G = "Parallel.TextEncoderWithPooling.";
    static final List<Layer> LAYERS = List.of(
            new Layer("lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q", "unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q", "unet",
                    "DownBlocks.Chain_5.SDXLCrossAttention.Chain_2.CrossAttentionBlock_1.Residual_1.SelfAttention.Distribute.Linear_1", new long[] {8, 640}, new long[] {640, 8}),
            new Layer("lora_unet_middle_block_1_transformer_blocks_9_ff_net_2", "unet.mid_block.attentions.0.transformer_blocks.9.ff.net.2", "unet",
                    "MiddleBlock.SDXLCrossAttention.Chain_2.CrossAttentionBlock_10.Residual_3.Linear_2", new long[] {8, 5120}, new long[] {1280, 8}),
            new Layer("lora_unet_output_blocks_2_2_conv", "unet.up_blocks.0.upsamplers.0.conv", "unet", "UpBlocks.Chain_3.Upsample.Conv2d",
                    new long[] {8, 1280, 3, 3}, new long[] {1280, 8, 1, 1}),
            new Layer("lora_te1_text_model_encoder_layers_3_self_attn_v_proj", "text_encoder.text_model.encoder.layers.3.self_attn.v_proj", "text_encoder",
                    "Parallel.CLIPTextEncoderL.TransformerLayer_4.Residual_1.SelfAttention.Distribute.Linear_3", new long[] {8, 768}, new long[] {768, 8}),
            new Layer("lora_te2_text_model_encoder_layers_0_self_attn_out_proj", "text_encoder_2.text_model.encoder.layers.0.self_attn.out_proj", "text_encoder",
                    G + "CLIPTextEncoderG.TransformerLayer_1.Residual_1.SelfAttention.Linear", new long[] {8, 1280}, new long[] {1280, 8}),
            new Layer("lora_te2_text_model_encoder_layers_31_mlp_fc2", "text_encoder_2.text_model.encoder.layers.31.mlp.fc2", "text_encoder",
                    G + "Parallel.Chain.CLIPTextEncoderG.TransformerLayer.Residual_2.FeedForward.Linear_2", new long[] {8, 5120}, new long[] {1280, 8}));

    /** A LoRA file in kohya (SGM UNet names, or diffusers UNet names as converted files have) or PEFT layout, float16 as published. */
    static Map<String, Tensor> file(String layout) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Layer l : LAYERS) {
            Tensor down = DetInit.tensor("down:" + l.refiners(), l.down(), 11).to(DType.F16), up = DetInit.tensor("up:" + l.refiners(), l.up(), 11).to(DType.F16);
            if (layout.equals("peft")) {
                t.put(l.peft() + ".lora_A.weight", down);
                t.put(l.peft() + ".lora_B.weight", up);
                continue;
            }
            String k = layout.equals("kohya-diffusers") && l.model().equals("unet") ? "lora_unet_" + l.peft().substring(5).replace('.', '_') : l.kohya();
            t.put(k + ".lora_down.weight", down);
            t.put(k + ".lora_up.weight", up);
            t.put(k + ".alpha", Tensor.ofFloats(new long[0], 4f).to(DType.F16));
        }
        if (!layout.equals("peft")) { // sd-scripts trains CLIP-L's last layer too, which SDXL does not use
            t.put("lora_te1_text_model_encoder_layers_11_mlp_fc1.lora_down.weight", Tensor.zeros(DType.F16, 8, 768));
            t.put("lora_te1_text_model_encoder_layers_11_mlp_fc1.lora_up.weight", Tensor.zeros(DType.F16, 3072, 8));
        }
        return t;
    }

    private static void landsOnTheLayers(LoraFile f) {
        assertEquals(3, f.unet().size());
        assertEquals(3, f.textEncoder().size());
        for (Layer l : LAYERS) {
            LoraFile.Layer got = (l.model().equals("unet") ? f.unet() : f.textEncoder()).get(l.refiners());
            assertTrue(got != null, l.refiners());
            assertEquals(DetInit.tensor("down:" + l.refiners(), l.down(), 11).to(DType.F16).data(), got.down().data(), l.kohya());
            assertEquals(l.model().equals("unet") ? unet.containsKey(l.refiners() + ".weight") : textEncoder.containsKey(l.refiners() + ".weight"), true, l.refiners());
        }
    }

    @Test
    void kohyaSgmKohyaDiffusersAndPeftFilesLandOnTheSameLayers() {
        LoraFile sgm = LoraFormats.parse("sgm", "sgm", file("kohya-sgm"), unet, textEncoder, 0);
        LoraFile diffusers = LoraFormats.parse("kd", "kd", file("kohya-diffusers"), unet, textEncoder, 0);
        LoraFile peft = LoraFormats.parse("peft", "peft", file("peft"), unet, textEncoder, 0);
        assertEquals("kohya", sgm.format());
        assertEquals("diffusers", peft.format());
        for (LoraFile f : List.of(sgm, diffusers, peft)) landsOnTheLayers(f);
        assertEquals(0.5, sgm.unet().values().iterator().next().factor(1), 1e-9, "alpha 4, rank 8");
    }

    @Test
    void eachFamilyRefusesTheOthersFiles() {
        ConversionException e = assertThrows(ConversionException.class, () -> LoraFormats.parse("x.safetensors", "x", file("kohya-sgm"), sd1Unet, sd1TextEncoder, 0));
        assertTrue(e.getMessage().contains("another architecture (SDXL-style key") && e.getMessage().endsWith("it does not fit SD 1.x"), e.getMessage());
        Map<String, Tensor> sd1 = Map.of("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", Tensor.zeros(DType.F16, 4, 320, 1, 1),
                "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight", Tensor.zeros(DType.F16, 320, 4, 1, 1));
        e = assertThrows(ConversionException.class, () -> LoraFormats.parse("y.safetensors", "y", sd1, unet, textEncoder, 0));
        assertTrue(e.getMessage().contains("another architecture (SD 1.x-style key lora_unet_down_blocks_0_attentions_0_proj_in") && e.getMessage().endsWith("it does not fit SDXL"),
                e.getMessage());
        Map<String, Tensor> te = Map.of("lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", Tensor.zeros(DType.F16, 4, 768),
                "lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", Tensor.zeros(DType.F16, 3072, 4));
        e = assertThrows(ConversionException.class, () -> LoraFormats.parse("z.safetensors", "z", te, unet, textEncoder, 0));
        assertTrue(e.getMessage().contains("SD 1.x-style key lora_te_"), e.getMessage());
        // the SD 1.x library still reads its own files
        assertEquals(1, LoraFormats.parse("t", "t", te, sd1Unet, sd1TextEncoder, 0).textEncoder().size());
    }

    @Test
    void unknownSdxlKeysAreNamed() {
        Map<String, Tensor> t = new LinkedHashMap<>(file("kohya-sgm"));
        t.put("lora_unet_input_blocks_99_1_proj_in.lora_down.weight", Tensor.zeros(DType.F16, 4, 640));
        ConversionException e = assertThrows(ConversionException.class, () -> LoraFormats.parse("u", "u", t, unet, textEncoder, 0));
        assertTrue(e.getMessage().contains("1 keys name no SDXL layer: lora_unet_input_blocks_99_1_proj_in.lora_down.weight"), e.getMessage());
    }
}

package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import refiners.conversion.SDXLLoraLayout.Layer;
import refiners.conversion.SDXLLoraLayout.Layout;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.DoubleTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLUNet;

/**
 * SDXL LoRA files under the names kohya's sd-scripts (SGM UNet paths, lora_te1_ / lora_te2_ with transformers paths),
 * kohya files converted from diffusers (diffusers UNet paths) and diffusers/PEFT (text_encoder_2.) write, with detinit
 * values ({@link SDXLLoraLayout}, its layers written by hand), land on the SDXLUNet and DoubleTextEncoder layers; SD 1.x
 * files are refused on SDXL and SDXL files on SD 1.x.
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

    private static void landsOnTheLayers(LoraFile f) {
        assertEquals(3, f.unet().size());
        assertEquals(3, f.textEncoder().size());
        for (Layer l : SDXLLoraLayout.LAYERS) {
            LoraFile.Layer got = (l.model().equals("unet") ? f.unet() : f.textEncoder()).get(l.refiners());
            assertTrue(got != null, l.refiners());
            assertEquals(SDXLLoraLayout.down(l, 11).data(), got.down().data(), l.kohya());
            assertEquals(l.model().equals("unet") ? unet.containsKey(l.refiners() + ".weight") : textEncoder.containsKey(l.refiners() + ".weight"), true, l.refiners());
        }
    }

    static Map<String, Tensor> file(Layout layout) {
        return SDXLLoraLayout.detinit(layout, 11);
    }

    @Test
    void kohyaSgmKohyaDiffusersAndPeftFilesLandOnTheSameLayers() {
        LoraFile sgm = LoraFormats.parse("sgm", "sgm", file(Layout.KOHYA_SGM), unet, textEncoder, 0);
        LoraFile diffusers = LoraFormats.parse("kd", "kd", file(Layout.KOHYA_DIFFUSERS), unet, textEncoder, 0);
        LoraFile peft = LoraFormats.parse("peft", "peft", file(Layout.PEFT), unet, textEncoder, 0);
        assertEquals("kohya", sgm.format());
        assertEquals("diffusers", peft.format());
        for (LoraFile f : List.of(sgm, diffusers, peft)) landsOnTheLayers(f);
        assertEquals(0.5, sgm.unet().values().iterator().next().factor(1), 1e-9, "alpha 4, rank 8");
    }

    @Test
    void eachFamilyRefusesTheOthersFiles() {
        ConversionException e = assertThrows(OtherFamilyException.class, () -> LoraFormats.parse("x.safetensors", "x", file(Layout.KOHYA_SGM), sd1Unet, sd1TextEncoder, 0));
        assertTrue(e.getMessage().contains("another architecture (SDXL-style key") && e.getMessage().endsWith("it does not fit SD 1.x"), e.getMessage());
        Map<String, Tensor> sd1 = Map.of("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", Tensor.zeros(DType.F16, 4, 320, 1, 1),
                "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight", Tensor.zeros(DType.F16, 320, 4, 1, 1));
        e = assertThrows(OtherFamilyException.class, () -> LoraFormats.parse("y.safetensors", "y", sd1, unet, textEncoder, 0));
        assertTrue(e.getMessage().contains("another architecture (SD 1.x-style key lora_unet_down_blocks_0_attentions_0_proj_in") && e.getMessage().endsWith("it does not fit SDXL"),
                e.getMessage());
        Map<String, Tensor> te = Map.of("lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", Tensor.zeros(DType.F16, 4, 768),
                "lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight", Tensor.zeros(DType.F16, 3072, 4));
        e = assertThrows(ConversionException.class, () -> LoraFormats.parse("z.safetensors", "z", te, unet, textEncoder, 0));
        assertTrue(e.getMessage().contains("SD 1.x-style key lora_te_"), e.getMessage());
        // refiners-layout files, by their cross-attention and text-encoder paths
        Map<String, Tensor> sd1Refiners = Map.of("unet.DownBlocks.Chain_2.CLIPLCrossAttention.Chain_2.CrossAttentionBlock.Residual_1.SelfAttention.Distribute.Linear_1.down.weight",
                Tensor.zeros(DType.F32, 4, 320));
        e = assertThrows(OtherFamilyException.class, () -> LoraFormats.parse("r.safetensors", "r", sd1Refiners, unet, textEncoder, 0));
        assertTrue(e.getMessage().contains("SD 1.x-style key unet.DownBlocks"), e.getMessage());
        Map<String, Tensor> sdxlRefiners = Map.of("text_encoder." + SDXLLoraLayout.LAYERS.get(3).refiners() + ".down.weight", Tensor.zeros(DType.F32, 4, 768));
        e = assertThrows(OtherFamilyException.class, () -> LoraFormats.parse("s.safetensors", "s", sdxlRefiners, sd1Unet, sd1TextEncoder, 0));
        assertTrue(e.getMessage().contains("SDXL-style key text_encoder.Parallel."), e.getMessage());
        // the SD 1.x library still reads its own files
        assertEquals(1, LoraFormats.parse("t", "t", te, sd1Unet, sd1TextEncoder, 0).textEncoder().size());
    }

    @Test
    void unknownSdxlKeysAreNamed() {
        Map<String, Tensor> t = new LinkedHashMap<>(file(Layout.KOHYA_SGM));
        t.put("lora_unet_input_blocks_99_1_proj_in.lora_down.weight", Tensor.zeros(DType.F16, 4, 640));
        ConversionException e = assertThrows(ConversionException.class, () -> LoraFormats.parse("u", "u", t, unet, textEncoder, 0));
        assertTrue(e.getMessage().contains("1 keys name no SDXL layer: lora_unet_input_blocks_99_1_proj_in.lora_down.weight"), e.getMessage());
    }
}

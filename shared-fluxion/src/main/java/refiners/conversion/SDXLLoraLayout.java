package refiners.conversion;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;

/**
 * Small SDXL LoRA files (rank 8, alpha 4, float16 as published, detinit values) under the key names people's files
 * have: kohya's sd-scripts (SGM UNet paths, lora_te1_ / lora_te2_ with transformers paths), kohya files converted from
 * diffusers (diffusers UNet paths) and diffusers/PEFT (unet. / text_encoder. / text_encoder_2.), on six layers of the
 * UNet and both text encoders. Each layer's refiners module is written by hand from the architectures (not derived from
 * the key tables), so that a test can check that a file lands there; end-to-end tests serve the kohya file.
 */
public final class SDXLLoraLayout {
    public enum Layout { KOHYA_SGM, KOHYA_DIFFUSERS, PEFT }

    /** kohya name, PEFT name, the model it adapts (unet or text_encoder), its refiners module, down and up shapes. */
    public record Layer(String kohya, String peft, String model, String refiners, long[] down, long[] up) {}

    private static final String G = "Parallel.TextEncoderWithPooling.";
    public static final List<Layer> LAYERS = List.of(
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

    private SDXLLoraLayout() {}

    /** A layer's down weight in every layout (drawn from {@code seed}). */
    public static Tensor down(Layer l, long seed) {
        return DetInit.tensor("down:" + l.refiners(), l.down(), seed).to(DType.F16);
    }

    /** The file's tensors in {@code layout}, weights drawn from {@code seed}. */
    public static Map<String, Tensor> detinit(Layout layout, long seed) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (Layer l : LAYERS) {
            Tensor down = down(l, seed), up = DetInit.tensor("up:" + l.refiners(), l.up(), seed).to(DType.F16);
            if (layout == Layout.PEFT) {
                t.put(l.peft() + ".lora_A.weight", down);
                t.put(l.peft() + ".lora_B.weight", up);
                continue;
            }
            String k = layout == Layout.KOHYA_DIFFUSERS && l.model().equals("unet") ? "lora_unet_" + l.peft().substring(5).replace('.', '_') : l.kohya();
            t.put(k + ".lora_down.weight", down);
            t.put(k + ".lora_up.weight", up);
            t.put(k + ".alpha", Tensor.ofFloats(new long[0], 4f).to(DType.F16));
        }
        if (layout != Layout.PEFT) { // sd-scripts trains CLIP-L's last layer too, which SDXL does not use
            t.put("lora_te1_text_model_encoder_layers_11_mlp_fc1.lora_down.weight", Tensor.zeros(DType.F16, 8, 768));
            t.put("lora_te1_text_model_encoder_layers_11_mlp_fc1.lora_up.weight", Tensor.zeros(DType.F16, 3072, 8));
        }
        return t;
    }
}

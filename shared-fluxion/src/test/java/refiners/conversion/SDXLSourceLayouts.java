package refiners.conversion;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The key names and shapes of SDXL's published checkpoints, enumerated from the source models' architectures (not
 * from our tables), so that the tables can be tested against them: transformers' CLIPTextModel /
 * CLIPTextModelWithProjection (diffusers text_encoder/, text_encoder_2/), OpenCLIP's text tower and SGM's UNetModel
 * (the single file sd_xl_base_1.0.safetensors: conditioner.embedders.1.model.*, model.diffusion_model.*).
 */
final class SDXLSourceLayouts {
    static final long VOCAB = 49408, POSITIONS = 77;

    private SDXLSourceLayouts() {}

    /** transformers CLIPTextModel(WithProjection) state dict: width d, layers n, MLP width ff, projection (0: none). */
    static Map<String, long[]> transformersClip(String prefix, long d, int n, long ff, long projection) {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(prefix + "text_model.embeddings.token_embedding.weight", new long[] {VOCAB, d});
        m.put(prefix + "text_model.embeddings.position_embedding.weight", new long[] {POSITIONS, d});
        for (int i = 0; i < n; i++) {
            String l = prefix + "text_model.encoder.layers." + i + ".";
            for (String p : List.of("k_proj", "v_proj", "q_proj", "out_proj")) linear(m, l + "self_attn." + p, d, d, true);
            norm(m, l + "layer_norm1", d);
            linear(m, l + "mlp.fc1", ff, d, true);
            linear(m, l + "mlp.fc2", d, ff, true);
            norm(m, l + "layer_norm2", d);
        }
        norm(m, prefix + "text_model.final_layer_norm", d);
        if (projection > 0) linear(m, prefix + "text_projection", projection, d, false);
        return m;
    }

    /** OpenCLIP's TextTransformer (open_clip.model), as SGM's FrozenOpenCLIPEmbedder2 stores it: fused in_proj, bare parameters. */
    static Map<String, long[]> openClip(String prefix, long d, int n, long ff) {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(prefix + "positional_embedding", new long[] {POSITIONS, d});
        m.put(prefix + "text_projection", new long[] {d, d});
        m.put(prefix + "logit_scale", new long[0]);
        m.put(prefix + "token_embedding.weight", new long[] {VOCAB, d});
        for (int i = 0; i < n; i++) {
            String l = prefix + "transformer.resblocks." + i + ".";
            norm(m, l + "ln_1", d);
            m.put(l + "attn.in_proj_weight", new long[] {3 * d, d});
            m.put(l + "attn.in_proj_bias", new long[] {3 * d});
            linear(m, l + "attn.out_proj", d, d, true);
            norm(m, l + "ln_2", d);
            linear(m, l + "mlp.c_fc", ff, d, true);
            linear(m, l + "mlp.c_proj", d, ff, true);
        }
        norm(m, prefix + "ln_final", d);
        return m;
    }

    /**
     * SGM's openaimodel UNetModel with SDXL base's configuration: model_channels 320, channel_mult (1, 2, 4), 2 res
     * blocks, transformer depth (0, 2, 10) and 10 in the middle, context 2048, adm_in_channels 2816, linear proj_in/out.
     */
    static Map<String, long[]> sgmUnet(String prefix) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long[] mult = {1, 2, 4};
        int[] depth = {0, 2, 10};
        long model = 320, emb = 1280;
        linear(m, prefix + "time_embed.0", emb, model, true);
        linear(m, prefix + "time_embed.2", emb, emb, true);
        linear(m, prefix + "label_emb.0.0", emb, 2816, true);
        linear(m, prefix + "label_emb.0.2", emb, emb, true);
        conv(m, prefix + "input_blocks.0.0", model, 4, 3);
        List<Long> skips = new java.util.ArrayList<>(List.of(model));
        long ch = model;
        int k = 1;
        for (int level = 0; level < 3; level++) {
            for (int r = 0; r < 2; r++, k++) {
                resBlock(m, prefix + "input_blocks." + k + ".0", ch, mult[level] * model, emb);
                ch = mult[level] * model;
                if (depth[level] > 0) spatialTransformer(m, prefix + "input_blocks." + k + ".1", ch, depth[level]);
                skips.add(ch);
            }
            if (level < 2) {
                conv(m, prefix + "input_blocks." + k++ + ".0.op", ch, ch, 3);
                skips.add(ch);
            }
        }
        resBlock(m, prefix + "middle_block.0", ch, ch, emb);
        spatialTransformer(m, prefix + "middle_block.1", ch, 10);
        resBlock(m, prefix + "middle_block.2", ch, ch, emb);
        k = 0;
        for (int level = 2; level >= 0; level--) {
            for (int i = 0; i < 3; i++, k++) {
                String b = prefix + "output_blocks." + k + ".";
                resBlock(m, b + "0", ch + skips.remove(skips.size() - 1), mult[level] * model, emb);
                ch = mult[level] * model;
                int next = 1;
                if (depth[level] > 0) spatialTransformer(m, b + next++, ch, depth[level]);
                if (level > 0 && i == 2) conv(m, b + next + ".conv", ch, ch, 3);
            }
        }
        norm(m, prefix + "out.0", ch);
        conv(m, prefix + "out.2", 4, ch, 3);
        return m;
    }

    private static void resBlock(Map<String, long[]> m, String p, long in, long out, long emb) {
        norm(m, p + ".in_layers.0", in);
        conv(m, p + ".in_layers.2", out, in, 3);
        linear(m, p + ".emb_layers.1", out, emb, true);
        norm(m, p + ".out_layers.0", out);
        conv(m, p + ".out_layers.3", out, out, 3);
        if (in != out) conv(m, p + ".skip_connection", out, in, 1);
    }

    private static void spatialTransformer(Map<String, long[]> m, String p, long ch, int depth) {
        norm(m, p + ".norm", ch);
        linear(m, p + ".proj_in", ch, ch, true);
        for (int d = 0; d < depth; d++) {
            String t = p + ".transformer_blocks." + d + ".";
            for (String attn : List.of("attn1", "attn2")) {
                long context = attn.equals("attn1") ? ch : 2048;
                linear(m, t + attn + ".to_q", ch, ch, false);
                linear(m, t + attn + ".to_k", ch, context, false);
                linear(m, t + attn + ".to_v", ch, context, false);
                linear(m, t + attn + ".to_out.0", ch, ch, true);
            }
            linear(m, t + "ff.net.0.proj", 8 * ch, ch, true); // GEGLU: value and gate
            linear(m, t + "ff.net.2", ch, 4 * ch, true);
            for (String n : List.of("norm1", "norm2", "norm3")) norm(m, t + n, ch);
        }
        linear(m, p + ".proj_out", ch, ch, true);
    }

    private static void linear(Map<String, long[]> m, String p, long out, long in, boolean bias) {
        m.put(p + ".weight", new long[] {out, in});
        if (bias) m.put(p + ".bias", new long[] {out});
    }

    private static void conv(Map<String, long[]> m, String p, long out, long in, int kernel) {
        m.put(p + ".weight", new long[] {out, in, kernel, kernel});
        m.put(p + ".bias", new long[] {out});
    }

    private static void norm(Map<String, long[]> m, String p, long ch) {
        m.put(p + ".weight", new long[] {ch});
        m.put(p + ".bias", new long[] {ch});
    }
}

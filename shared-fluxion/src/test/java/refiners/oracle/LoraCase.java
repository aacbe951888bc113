package refiners.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.conversion.LoraFile;
import refiners.conversion.LoraFormats;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.LinearLora;
import refiners.fluxion.adapters.LoraAdapter;
import refiners.fluxion.adapters.LoraFusion;
import refiners.fluxion.adapters.LoraSlots;
import refiners.fluxion.adapters.LoraWeights;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Attention;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/**
 * Case "lora". kohya_semantic: the kohya file (regenerated with detinit from its key list) read by our LoRA loader,
 * each LoRA on the layer its key names with factor scale x alpha / rank; run with run-time slots (the outputs), fused
 * weights (a check) and its placement compared with the manifest's kohya_map. adapter_api: refiners' LoraAdapter /
 * LinearLora API on every Linear of every Attention; run as adapters (the outputs), fused and with slots (checks),
 * patched state dict compared, and eject restoring the base outputs bit for bit.
 */
public class LoraCase implements CaseRunner {

    @Override
    public String caseName() {
        return "lora";
    }

    // ------------------------------------------------------------ shared pieces

    private static JsonNode model(JsonNode sub, String name) {
        JsonNode m = OracleCase.find(sub.get("models"), name);
        if (m == null) throw new IllegalArgumentException("lora: no model " + name);
        return m;
    }

    private static SD1UNet unet(JsonNode sub) {
        JsonNode spec = model(sub, "unet");
        SD1UNet u = SD1UNetCase.build(spec);
        u.loadStateDict(CachedDetInit.weights(u, spec.get("seed").asLong()));
        return u;
    }

    private static CLIPTextEncoderL clip(JsonNode sub) {
        JsonNode spec = model(sub, "clip_text_encoder");
        CLIPTextEncoderL c = ClipTextLCase.build(spec);
        c.loadStateDict(CachedDetInit.weights(c, spec.get("seed").asLong()));
        return c;
    }

    private record Inputs(Tensor x, Tensor timestep, Tensor embedding, Tensor tokens) {}

    private static Inputs inputs(OracleCase oc, JsonNode sub, CLIPTextEncoderL clip) {
        for (JsonNode in : sub.get("inputs")) {
            String n = in.get("name").asText();
            if (!List.of("x", "timestep", "clip_text_embedding").contains(n)) throw new IllegalArgumentException("lora: unknown input " + n);
        }
        return new Inputs(oc.input(sub, "x"), oc.input(sub, "timestep"), oc.input(sub, "clip_text_embedding"),
                clip.tokenizer().tokenize(ClipTextLCase.prompts(sub)));
    }

    private static Map<String, Map<String, Object>> unetContext(Inputs in) {
        return Map.of("diffusion", Map.of("timestep", in.timestep()), "cross_attention_block", Map.of("clip_text_embedding", in.embedding()));
    }

    private static Map<String, Tensor> outputs(JsonNode sub, Tensor unetY, Tensor textY) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (JsonNode o : sub.get("outputs")) {
            String n = o.get("name").asText();
            out.put(n, switch (n) {
                case "unet_y" -> unetY;
                case "text_encoder_y" -> textY;
                default -> throw new IllegalArgumentException("lora: unknown output " + n);
            });
        }
        return out;
    }

    private static Map<String, Tensor> runPlain(SD1UNet u, CLIPTextEncoderL c, Inputs in, JsonNode sub) {
        return outputs(sub, Runner.shared().run(u, CompileOptions.defaults(), List.of(in.x()), unetContext(in)).output(),
                Runner.shared().run(c, CompileOptions.defaults(), List.of(in.tokens())).output());
    }

    private static Map<String, Tensor> runSlots(SD1UNet u, CLIPTextEncoderL c, Inputs in, JsonNode sub, List<LoraWeights> unetLoras, List<LoraWeights> textLoras) {
        LoraSlots us = LoraSlots.install(u, l -> true), ts = LoraSlots.install(c, l -> true);
        CompileOptions o = LoraSlots.options(CompileOptions.defaults());
        Map<String, Map<String, Object>> uctx = new LinkedHashMap<>(unetContext(in));
        uctx.putAll(us.feeds(unetLoras));
        return outputs(sub, Runner.shared().run(u, o, List.of(in.x()), uctx).output(), Runner.shared().run(c, o, List.of(in.tokens()), ts.feeds(textLoras)).output());
    }

    private static Map<String, Tensor> runFused(SD1UNet u, CLIPTextEncoderL c, Inputs in, JsonNode sub, List<LoraWeights> unetLoras, List<LoraWeights> textLoras) {
        return runPlain(LoraFusion.fuse(u, unetLoras), LoraFusion.fuse(c, textLoras), in, sub);
    }

    private static void compareAll(OracleCase oc, JsonNode sub, String mode, Map<String, Tensor> actual) {
        for (JsonNode o : sub.get("outputs")) {
            String n = o.get("name").asText();
            Comparison.check(sub.get("name").asText() + " [" + mode + "] " + n, o, oc.tensors().get(o.get("tensor_f64").asText()), actual.get(n));
        }
    }

    // ------------------------------------------------------------ kohya_semantic

    private static LoraFile kohyaFile(JsonNode sub, SD1UNet u, CLIPTextEncoderL c) {
        JsonNode f = sub.get("lora_file");
        long seed = f.get("lora_seed").asLong();
        float alpha = (float) f.get("alpha").asDouble();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (JsonNode kv : f.get("keys")) {
            String key = kv.get(0).asText();
            long[] shape = OracleCase.shape(kv.get(1));
            tensors.put(key, key.endsWith(".alpha") ? Tensor.ofFloats(shape, alpha) : DetInit.tensor(key, shape, seed));
        }
        return LoraFormats.parse("oracle kohya LoRA", "oracle", tensors, u.stateDictShapes(), c.stateDictShapes(), -1);
    }

    // ------------------------------------------------------------ adapter_api

    /** refiners' API call: a LinearLora on every Linear inside every Attention; returns (unpatched path -> adapter). */
    private static Map<String, LoraAdapter> injectAdapterApi(Chain model, int rank, double scale) {
        Map<Linear, String> paths = new java.util.IdentityHashMap<>();
        collectLinearPaths(model, "", paths);
        Map<String, LoraAdapter> out = new LinkedHashMap<>();
        for (Attention attention : model.layers(Attention.class)) {
            for (Chain.Walked<Linear> w : attention.walk(Linear.class)) {
                Linear l = w.module();
                LoraAdapter a = new LoraAdapter(l, new LinearLora("oracle", l.inFeatures(), l.outFeatures(), rank, scale));
                a.inject(w.parent());
                out.put(paths.get(l), a);
            }
        }
        return out;
    }

    private static void collectLinearPaths(Chain c, String prefix, Map<Linear, String> out) {
        List<String> names = c.childNames();
        for (int i = 0; i < c.size(); i++) {
            if (c.get(i) instanceof Linear l) out.put(l, prefix + names.get(i));
            else if (c.get(i) instanceof Chain sub) collectLinearPaths(sub, prefix + names.get(i) + ".", out);
        }
    }

    /** Loads the LoRA layers' detinit weights by their patched keys (base weights were bound before patching). */
    private static void loadLoraWeights(Chain patched, long seed) {
        Map<String, Tensor> sd = new LinkedHashMap<>(patched.stateDict());
        patched.stateDictShapes().forEach((k, s) -> {
            if (k.contains(".LinearLora.")) sd.put(k, DetInit.tensor(k, s, seed));
        });
        patched.loadStateDict(sd);
    }

    private static List<LoraWeights> asWeights(Map<String, LoraAdapter> adapters) {
        List<LoraWeights> out = new ArrayList<>();
        adapters.forEach((path, a) -> {
            var lora = (LinearLora) a.loraLayers().get(0);
            out.add(new LoraWeights(path, lora.down().parameter("weight"), lora.up().parameter("weight"), lora.scale()));
        });
        return out;
    }

    private static Map<String, Tensor> adapterApi(OracleCase oc, JsonNode sub, SD1UNet u, CLIPTextEncoderL c, Map<String, LoraAdapter> ua, Map<String, LoraAdapter> ca) {
        JsonNode l = sub.get("lora");
        ua.putAll(injectAdapterApi(u, l.get("rank").asInt(), l.get("scale").asDouble()));
        ca.putAll(injectAdapterApi(c, l.get("rank").asInt(), l.get("scale").asDouble()));
        loadLoraWeights(u, l.get("lora_seed").asLong());
        loadLoraWeights(c, l.get("lora_seed").asLong());
        return runPlain(u, c, inputs(oc, sub, c), sub);
    }

    private static boolean isKohya(JsonNode sub) {
        return sub.has("lora_file");
    }

    private static void checkKnown(JsonNode sub) {
        if (!isKohya(sub) && !sub.has("lora")) throw new IllegalArgumentException("lora: subcase " + sub.get("name").asText() + " has neither lora_file nor lora");
    }

    // ------------------------------------------------------------ runner

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        checkKnown(sub);
        SD1UNet u = unet(sub);
        CLIPTextEncoderL c = clip(sub);
        if (isKohya(sub)) {
            LoraFile f = kohyaFile(sub, u, c);
            double scale = sub.get("scale").asDouble();
            return runSlots(u, c, inputs(oc, sub, c), sub, f.unetWeights(scale), f.textEncoderWeights(scale));
        }
        return adapterApi(oc, sub, u, c, new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        checkKnown(sub);
        Map<String, Executable> out = new LinkedHashMap<>();
        if (isKohya(sub)) {
            out.put("kohya placement equals kohya_map (layer, factor, shapes)", () -> {
                LoraFile f = kohyaFile(sub, new SD1UNet(4), new CLIPTextEncoderL());
                double scale = sub.get("scale").asDouble();
                JsonNode map = sub.get("kohya_map");
                List<String> cols = new ArrayList<>();
                JsonNode columns = map.get("columns");
                if (columns.isArray()) columns.forEach(col -> cols.add(col.asText()));
                else for (String col : columns.asText().replaceAll("[\\[\\]' ]", "").split(",")) cols.add(col);
                int rows = 0;
                for (JsonNode row : map.get("entries")) {
                    String model = row.get(cols.indexOf("model")).asText(), path = row.get(cols.indexOf("refiners_path")).asText();
                    LoraFile.Layer layer = (model.equals("unet") ? f.unet() : f.textEncoder()).get(path);
                    if (layer == null) throw new AssertionError(row.get(0).asText() + ": our loader put nothing on " + model + "." + path);
                    assertEquals(row.get(cols.indexOf("factor")).asDouble(), layer.factor(scale), 1e-9, path);
                    assertArrayEquals(OracleCase.shape(row.get(cols.indexOf("down_shape"))), layer.down().shape(), path);
                    rows++;
                }
                assertEquals(rows, f.unet().size() + f.textEncoder().size(), "every LoRA of the file is placed once");
            });
            out.put("fused mode within tolerance", () -> {
                SD1UNet u = unet(sub);
                CLIPTextEncoderL c = clip(sub);
                LoraFile f = kohyaFile(sub, u, c);
                double scale = sub.get("scale").asDouble();
                compareAll(oc, sub, "fused", runFused(u, c, inputs(oc, sub, c), sub, f.unetWeights(scale), f.textEncoderWeights(scale)));
            });
        } else {
            out.put("patched state dicts equal refiners'", () -> {
                for (String m : List.of("unet", "clip_text_encoder")) {
                    Chain model = m.equals("unet") ? new SD1UNet(4) : new CLIPTextEncoderL();
                    injectAdapterApi(model, sub.get("lora").get("rank").asInt(), sub.get("lora").get("scale").asDouble());
                    JsonNode expected = sub.get("lora").get(m).get("patched_state_dict");
                    List<String> e = new ArrayList<>(), a = new ArrayList<>();
                    for (JsonNode kv : expected) e.add(kv.get(0).asText() + java.util.Arrays.toString(OracleCase.shape(kv.get(1))));
                    model.stateDictShapes().forEach((k, s) -> a.add(k + java.util.Arrays.toString(s)));
                    assertEquals(e, a, m + " patched state dict");
                }
            });
            out.put("fused and slot modes within tolerance; eject restores the base bit for bit", () -> {
                SD1UNet u = unet(sub);
                CLIPTextEncoderL c = clip(sub);
                Inputs in = inputs(oc, sub, c);
                Map<String, Tensor> base = runPlain(u, c, in, sub);
                Map<String, LoraAdapter> ua = new LinkedHashMap<>(), ca = new LinkedHashMap<>();
                adapterApi(oc, sub, u, c, ua, ca);
                List<LoraWeights> uw = asWeights(ua), cw = asWeights(ca);
                ua.values().forEach(LoraAdapter::eject);
                ca.values().forEach(LoraAdapter::eject);
                Map<String, Tensor> ejected = runPlain(u, c, in, sub);
                base.forEach((k, t) -> assertArrayEquals(t.toFloatArray(), ejected.get(k).toFloatArray(), k + " after eject"));
                compareAll(oc, sub, "fused", runFused(u, c, in, sub, uw, cw));
                compareAll(oc, sub, "slots", runSlots((SD1UNet) u.structuralCopy(), (CLIPTextEncoderL) c.structuralCopy(), in, sub, uw, cw));
            });
        }
        return out;
    }

}

package refiners.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.RunResult;
import refiners.foundationals.latent_diffusion.image_prompt.CrossAttentionAdapter;
import refiners.foundationals.latent_diffusion.image_prompt.ImagePreprocessing;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1IPAdapter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/**
 * Case "ip-adapter": SD1IPAdapter (plain or Plus) with refiners-format weights made by detinit under the weight
 * file's keys: the image projection of the image features and of the negative ones, one UNet call with the adapter
 * injected and the image-prompt tokens set (y, and the first image cross-attention's output), the same call without
 * it (which must also be what the UNet gives after eject). Subcases with an image instead check preprocess_image.
 */
public class IPAdapterCase implements CaseRunner {
    private static final Pattern SIZE = Pattern.compile("size=\\((\\d+), (\\d+)\\)");

    @Override
    public String caseName() {
        return "ip-adapter";
    }

    private static Map<String, JsonNode> models(JsonNode sub) {
        Map<String, JsonNode> specs = new LinkedHashMap<>();
        for (JsonNode m : sub.path("models")) specs.put(m.get("name").asText(), m);
        return specs;
    }

    /** The adapter of the manifest's weights entry, without weights yet. */
    private static SD1IPAdapter adapter(SD1UNet unet, JsonNode weightsSpec) {
        String cls = weightsSpec.get("class").asText();
        if (!cls.endsWith(".SD1IPAdapter")) throw new IllegalArgumentException("ip-adapter: no Java adapter for " + cls);
        Ctor c = new Ctor(cls, weightsSpec.get("ctor"));
        SD1IPAdapter adapter = new SD1IPAdapter(unet, c.d("scale", 1.0), c.b("fine_grained", false), null);
        c.checkAllUsed();
        return adapter;
    }

    private static Map<String, long[]> fileKeys(JsonNode weightsSpec) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (JsonNode kv : weightsSpec.get("state_dict")) shapes.put(kv.get(0).asText(), OracleCase.shape(kv.get(1)));
        return shapes;
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        Map<String, JsonNode> specs = models(sub);
        if (!specs.containsKey("unet")) return Map.of();
        JsonNode weights = specs.get("ip_adapter_weights");
        Map<String, Executable> out = new LinkedHashMap<>(ModelChecks.of(specs.get("unet"), () -> SD1UNetCase.build(specs.get("unet"))));
        out.put("image_proj structure", () -> assertEquals(weights.get("image_proj_structure").asText(),
                adapter(SD1UNetCase.build(specs.get("unet")), weights).imageProj().structure()));
        out.put("weight file keys and shapes", () -> {
            List<String> expected = new ArrayList<>(), actual = new ArrayList<>();
            fileKeys(weights).forEach((k, v) -> expected.add(k + " " + java.util.Arrays.toString(v)));
            adapter(SD1UNetCase.build(specs.get("unet")), weights).weightShapes().forEach((k, v) -> actual.add(k + " " + java.util.Arrays.toString(v)));
            assertEquals(expected, actual);
        });
        out.put("cross-attention targets", () -> {
            SD1UNet unet = SD1UNetCase.build(specs.get("unet"));
            List<CrossAttentionAdapter> subs = adapter(unet, weights).subAdapters();
            List<String> expected = new ArrayList<>(), actual = new ArrayList<>();
            for (JsonNode t : weights.get("cross_attention_targets")) expected.add(t.get(0).asText() + " " + t.get(1).asText());
            for (int i = 0; i < subs.size(); i++) actual.add(String.format("ip_adapter.%03d %s", i, unet.pathOf(subs.get(i).target())));
            assertEquals(expected, actual);
        });
        out.put("injected keys", () -> {
            SD1UNet unet = SD1UNetCase.build(specs.get("unet"));
            SD1IPAdapter adapter = adapter(unet, weights);
            adapter.loadWeights(DetInit.stateDict(fileKeys(weights), weights.get("seed").asLong()));
            adapter.inject();
            Map<String, long[]> keys = unet.stateDictShapes();
            for (JsonNode kv : weights.get("injected_keys"))
                if (!keys.containsKey(kv.get(1).asText())) throw new AssertionError("no " + kv.get(1).asText() + " (for " + kv.get(0).asText() + ") in the injected UNet");
        });
        return out;
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        Map<String, JsonNode> specs = models(sub);
        if (OracleCase.find(sub.get("inputs"), "image") != null) return preprocess(oc, sub);
        if (!specs.keySet().equals(java.util.Set.of("unet", "ip_adapter_weights")))
            throw new IllegalArgumentException("ip-adapter: expected models unet and ip_adapter_weights, got " + specs.keySet());
        SD1UNet unet = SD1UNetCase.build(specs.get("unet"));
        unet.loadStateDict(SD15PipelineCase.detinit(unet, specs.get("unet")));
        JsonNode weightsSpec = specs.get("ip_adapter_weights");
        SD1IPAdapter adapter = adapter(unet, weightsSpec);
        adapter.loadWeights(DetInit.stateDict(fileKeys(weightsSpec), weightsSpec.get("seed").asLong()));

        Tensor x = null, image = null, negative = null;
        for (JsonNode in : sub.get("inputs")) {
            String name = in.get("name").asText();
            if (name.equals("scale")) {
                adapter.setScale(in.get("value").asDouble());
                continue;
            }
            Tensor t = SD15Img2ImgCase.input(oc, sub, in);
            switch (name) {
                case "x" -> x = t;
                case "timestep" -> unet.setTimestep(t);
                case "clip_text_embedding" -> unet.setClipTextEmbedding(t);
                case "clip_image_embedding" -> image = t;
                case "negative_clip_image_embedding" -> negative = t;
                default -> throw new IllegalArgumentException("ip-adapter: unknown input " + name);
            }
        }
        if (x == null || image == null) throw new IllegalArgumentException("ip-adapter: inputs x and clip_image_embedding are required");
        if (adapter.fineGrained() != (negative != null))
            throw new IllegalArgumentException("ip-adapter: the Plus adapter takes a negative image embedding, the plain one zeros");
        // the plain adapter's negative is the projection of a zero embedding
        if (negative == null) negative = Tensor.zeros(DType.F32, image.shape());

        long n = image.shape()[0];
        Tensor projected = TimedRun.run("image_proj", adapter.imageProj(), CompileOptions.defaults(), List.of(Tensors.concat(List.of(negative, image)))).output();
        Tensor projectedNegative = Tensors.narrow(projected, 0, n), projectedConditional = Tensors.narrow(projected, n, n);

        Map<String, long[]> keys = unet.stateDictShapes();
        Tensor without = TimedRun.run("unet", unet, CompileOptions.defaults(), List.of(x)).output();
        adapter.inject();
        adapter.setClipImageEmbedding(projected);
        String tap = unet.pathOf(adapter.subAdapters().get(0).imageCrossAttention());
        RunResult with = TimedRun.run("unet + ip-adapter", unet, CompileOptions.defaults().withTapPaths(List.of(tap)), List.of(x));
        adapter.eject();
        EjectCheck.assertRestored(unet, keys.keySet(), without, List.of(x));

        Map<String, Tensor> result = new LinkedHashMap<>();
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            result.put(name, switch (name) {
                case "image_proj_conditional" -> projectedConditional;
                case "image_proj_negative" -> projectedNegative;
                case "image_prompt_embedding" -> projected;
                case "y" -> with.output();
                case "y_without_adapter" -> without;
                // the conditional half of the batch, the leading query tokens
                case "first_image_cross_attention" -> ClipImageHCase.leadingBlock(Tensors.narrow(with.tap(tap), n, n), OracleCase.shape(out.get("shape")));
                default -> throw new IllegalArgumentException("ip-adapter: unknown output " + name);
            });
        }
        return result;
    }

    /** IPAdapter.preprocess_image(image, size) of a uint8 (H, W, 3) image; size is PIL's (width, height). */
    private static Map<String, Tensor> preprocess(OracleCase oc, JsonNode sub) {
        JsonNode size = sub.path("size");
        if (!size.isArray()) {
            // the size argument appears only in the call (refiners' default otherwise)
            Matcher m = SIZE.matcher(sub.get("api_calls").toString());
            int w = m.find() ? Integer.parseInt(m.group(1)) : ImagePreprocessing.DEFAULT_SIZE;
            int h = m.find(0) ? Integer.parseInt(m.group(2)) : ImagePreprocessing.DEFAULT_SIZE;
            size = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(w).add(h);
        }
        Tensor x = ImagePreprocessing.preprocess(oc.input(sub, "image"), size.get(0).asInt(), size.get(1).asInt());
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (JsonNode out : sub.get("outputs")) {
            if (!out.get("name").asText().equals("x")) throw new IllegalArgumentException("ip-adapter: unknown output " + out.get("name"));
            result.put("x", x);
        }
        return result;
    }
}

package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.Controlnet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1ControlnetAdapter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/**
 * Case "controlnet": SD1ControlnetAdapter(unet, name, scale, scale_decay) injected, its condition set, one UNet call
 * (y); the same call before inject (y_without_controlnet), which must also be what the UNet gives after eject, bit
 * for bit. Weights: detinit by each model's own state-dict keys and seed.
 */
public class ControlnetCase implements CaseRunner {
    @Override
    public String caseName() {
        return "controlnet";
    }

    /** The Controlnet of a manifest entry, with the adapter's scale and decay (the subcase's "controlnet" block). */
    static Controlnet build(JsonNode spec, JsonNode adapter) {
        String cls = spec.get("class").asText();
        if (!cls.endsWith(".Controlnet")) throw new IllegalArgumentException("controlnet: no Java model for " + cls);
        Ctor c = new Ctor(cls, spec.get("ctor"));
        String name = c.s("name", null);
        if (name == null) throw new IllegalArgumentException("controlnet: the Controlnet has no name");
        if (adapter.has("name") && !adapter.get("name").asText().equals(name))
            throw new IllegalArgumentException("controlnet: adapter name " + adapter.get("name") + " differs from the model's " + name);
        Controlnet controlnet = new Controlnet(name, c.d("scale", adapter.path("scale").asDouble(1.0)), c.d("scale_decay", adapter.path("scale_decay").asDouble(1.0)));
        c.checkAllUsed();
        return controlnet;
    }

    private static Map<String, JsonNode> models(JsonNode sub) {
        Map<String, JsonNode> specs = new LinkedHashMap<>();
        for (JsonNode m : sub.get("models")) specs.put(m.get("name").asText(), m);
        if (!specs.keySet().equals(java.util.Set.of("unet", "controlnet"))) throw new IllegalArgumentException("controlnet: expected models unet and controlnet, got " + specs.keySet());
        return specs;
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        Map<String, JsonNode> specs = models(sub);
        Map<String, Executable> out = new LinkedHashMap<>();
        out.putAll(ModelChecks.of(specs.get("unet"), () -> SD1UNetCase.build(specs.get("unet"))));
        out.putAll(ModelChecks.of(specs.get("controlnet"), () -> build(specs.get("controlnet"), sub.path("controlnet"))));
        return out;
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        Map<String, JsonNode> specs = models(sub);
        SD1UNet unet = SD1UNetCase.build(specs.get("unet"));
        unet.loadStateDict(SD15PipelineCase.detinit(unet, specs.get("unet")));
        Controlnet controlnet = build(specs.get("controlnet"), sub.path("controlnet"));
        controlnet.loadStateDict(SD15PipelineCase.detinit(controlnet, specs.get("controlnet")));

        Tensor x = null, condition = null;
        for (JsonNode in : sub.get("inputs")) {
            String name = in.get("name").asText();
            Tensor t = SD15Img2ImgCase.input(oc, sub, in);
            switch (name) {
                case "x" -> x = t;
                case "timestep" -> unet.setTimestep(t);
                case "clip_text_embedding" -> unet.setClipTextEmbedding(t);
                case "condition" -> condition = t;
                default -> throw new IllegalArgumentException("controlnet: unknown input " + name);
            }
        }
        if (x == null || condition == null) throw new IllegalArgumentException("controlnet: inputs x and condition are required");

        Map<String, long[]> keys = unet.stateDictShapes();
        Tensor without = TimedRun.run("unet", unet, CompileOptions.defaults(), List.of(x)).output();
        SD1ControlnetAdapter adapter = new SD1ControlnetAdapter(unet, controlnet).inject();
        adapter.setControlnetCondition(condition);
        Tensor with = TimedRun.run("unet + controlnet", unet, CompileOptions.defaults(), List.of(x)).output();
        adapter.eject();
        EjectCheck.assertRestored(unet, keys.keySet(), without, List.of(x));

        Map<String, Tensor> result = new LinkedHashMap<>();
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            result.put(name, switch (name) {
                case "y" -> with;
                case "y_without_controlnet" -> without;
                default -> throw new IllegalArgumentException("controlnet: unknown output " + name);
            });
        }
        return result;
    }
}

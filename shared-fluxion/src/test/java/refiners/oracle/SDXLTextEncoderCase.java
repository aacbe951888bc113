package refiners.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.RunResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.DoubleTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.TextEncoderWithPooling;

/**
 * Case "sdxl-text-encoder": DoubleTextEncoder (detinit, one seed for its whole state dict) on the manifest's prompts:
 * the joined text embedding, the pooled embedding, and CLIP-G's final LayerNorm output as a debug tap.
 */
public final class SDXLTextEncoderCase implements CaseRunner {
    @Override
    public String caseName() {
        return "sdxl-text-encoder";
    }

    @Override
    public boolean largestModels() {
        return true;
    }

    static DoubleTextEncoder build(JsonNode spec) {
        String cls = spec.get("class").asText();
        if (!cls.endsWith(".DoubleTextEncoder")) throw new IllegalArgumentException("sdxl-text-encoder: no Java model for " + cls);
        new Ctor(cls, spec.get("ctor")).checkAllUsed();
        return new DoubleTextEncoder();
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        JsonNode spec = sub.get("models").get(0);
        Map<String, Executable> out = new LinkedHashMap<>(ModelChecks.of(spec, () -> build(spec)));
        List<String> prompts = ClipTextLCase.prompts(sub);
        out.put("CLIP-L tokenizer ids equal tokens_l", () -> assertArrayEquals(oc.input(sub, "tokens_l").toLongArray(),
                build(spec).tokenizer().tokenize(prompts).toLongArray()));
        out.put("CLIP-G tokenizer ids equal tokens_g", () -> assertArrayEquals(oc.input(sub, "tokens_g").toLongArray(),
                build(spec).ensureFind(TextEncoderWithPooling.class).tokenizer().tokenize(prompts).toLongArray()));
        return out;
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        JsonNode spec = sub.get("models").get(0);
        DoubleTextEncoder encoder = build(spec);
        encoder.loadStateDict(SD15PipelineCase.detinit(encoder, spec));
        for (JsonNode in : sub.get("inputs")) {
            String name = in.get("name").asText();
            if (!name.equals("tokens_l") && !name.equals("tokens_g")) throw new IllegalArgumentException("sdxl-text-encoder: unknown input " + name);
        }
        // The graph takes CLIP-L's ids; G re-pads them itself (the checks above compare both tokenizers with the case).
        Tensor ids = oc.input(sub, "tokens_l");
        Map<String, String> taps = new LinkedHashMap<>();
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            if (name.equals("g_final_layer_norm")) taps.put(name, sub.get("g_final_layer_norm_module").asText());
            else if (!name.equals("text_embedding") && !name.equals("pooled_text_embedding"))
                throw new IllegalArgumentException("sdxl-text-encoder: unknown output " + name);
        }
        RunResult r = TimedRun.run("sdxl-text-encoder", encoder, CompileOptions.defaults().withTapPaths(List.copyOf(taps.values())), List.of(ids));
        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put("text_embedding", r.outputs().get(0));
        result.put("pooled_text_embedding", r.outputs().get(1));
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            if (taps.containsKey(name)) result.put(name, Tensors.narrow(r.tap(taps.get(name)), 0, out.get("shape").get(0).asLong()));
        }
        return result;
    }
}

package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.runtime.RunResult;
import refiners.foundationals.clip.CLIPTextEncoderL;

/**
 * Case "clip-text-l": CLIPTextEncoderL on the manifest's prompts (tokenized here, and checked against the stored
 * tokens), plus debug outputs of inner layers ("after_X": the output of child X, or the child a note names).
 */
public class ClipTextLCase implements CaseRunner {
    private static final Pattern CHILD = Pattern.compile("child '([^']+)'");

    @Override
    public String caseName() {
        return "clip-text-l";
    }

    static CLIPTextEncoderL build(JsonNode spec) {
        String cls = spec.get("class").asText();
        if (!cls.endsWith(".CLIPTextEncoderL")) throw new IllegalArgumentException("clip-text-l: no Java model for " + cls);
        new Ctor(cls, spec.get("ctor")).checkAllUsed();
        return new CLIPTextEncoderL();
    }

    static List<String> prompts(JsonNode sub) {
        List<String> p = new ArrayList<>();
        for (JsonNode n : sub.get("prompts")) p.add(n.asText());
        return p;
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        JsonNode spec = sub.get("models").get(0);
        Map<String, Executable> out = new LinkedHashMap<>();
        out.putAll(ModelChecks.of(spec, () -> build(spec)));
        if (OracleCase.find(sub.get("inputs"), "tokens") != null)
            out.put("tokenizer ids equal the stored tokens", () -> {
                long[] expected = oc.input(sub, "tokens").toLongArray();
                long[] actual = build(spec).tokenizer().tokenize(prompts(sub)).toLongArray();
                org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
            });
        return out;
    }

    /** The path of the child a debug output names (the child's key name: it sits right under the model). */
    static String debugLayer(Chain model, JsonNode output) {
        Matcher m = CHILD.matcher(output.path("note").asText(""));
        String name = output.get("name").asText();
        String child = m.find() ? m.group(1) : name.startsWith("after_") ? name.substring("after_".length()) : null;
        if (child == null) throw new IllegalArgumentException("unknown output " + name);
        return model.pathOf(model.get(child));
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        JsonNode spec = sub.get("models").get(0);
        CLIPTextEncoderL encoder = build(spec);
        encoder.loadStateDict(CachedDetInit.weights(encoder, spec.get("seed").asLong()));
        for (JsonNode in : sub.get("inputs"))
            if (!in.get("name").asText().equals("tokens")) throw new IllegalArgumentException("clip-text-l: unknown input " + in.get("name"));
        Tensor ids = encoder.tokenizer().tokenize(prompts(sub));
        Map<String, String> taps = new LinkedHashMap<>(); // output name -> tapped layer's path
        String main = null;
        for (JsonNode out : sub.get("outputs")) {
            if (out.get("name").asText().equals("y")) main = "y";
            else taps.put(out.get("name").asText(), debugLayer(encoder, out));
        }
        if (main == null) throw new IllegalArgumentException("clip-text-l: no output y");
        RunResult r = TimedRun.run("clip-text-l", encoder, CompileOptions.defaults().withTapPaths(List.copyOf(taps.values())), List.of(ids));
        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put("y", r.output());
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            if (!taps.containsKey(name)) continue;
            long rows = out.get("shape").get(0).asLong(); // the debug outputs cover the first prompt(s) only
            result.put(name, Tensors.narrow(r.tap(taps.get(name)), 0, rows));
        }
        return result;
    }
}

package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Module;
import refiners.fluxion.runtime.RunResult;
import refiners.foundationals.clip.image.CLIPImageEncoderH;

/**
 * Case "clip-image-h": CLIPImageEncoderH on a normalised image batch: the embedding, debug outputs of inner layers
 * ("after_X": the output of layer X, its leading block as the output's shape says), and the grid features (the
 * penultimate hidden states) of the image and of a black (zero) image.
 */
public class ClipImageHCase implements CaseRunner {
    @Override
    public String caseName() {
        return "clip-image-h";
    }

    static CLIPImageEncoderH build(JsonNode spec) {
        String cls = spec.get("class").asText();
        if (!cls.endsWith(".CLIPImageEncoderH")) throw new IllegalArgumentException("clip-image-h: no Java model for " + cls);
        new Ctor(cls, spec.get("ctor")).checkAllUsed();
        return new CLIPImageEncoderH();
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        JsonNode spec = sub.get("models").get(0);
        return ModelChecks.of(spec, () -> build(spec));
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        JsonNode spec = sub.get("models").get(0);
        CLIPImageEncoderH encoder = build(spec);
        encoder.loadStateDict(SD15PipelineCase.detinit(encoder, spec));
        for (JsonNode in : sub.get("inputs"))
            if (!in.get("name").asText().equals("x")) throw new IllegalArgumentException("clip-image-h: unknown input " + in.get("name"));
        Tensor x = oc.input(sub, "x");
        Map<String, Tensor> result = new LinkedHashMap<>();
        Map<String, String> taps = new LinkedHashMap<>(); // output name -> tapped layer's path
        List<JsonNode> gridOutputs = new ArrayList<>();
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            if (name.equals("image_embedding")) continue;
            if (name.startsWith("after_")) taps.put(name, encoder.pathOf(find(encoder, name.substring("after_".length()))));
            else if (name.startsWith("penultimate_hidden_states")) gridOutputs.add(out);
            else throw new IllegalArgumentException("clip-image-h: unknown output " + name);
        }
        if (OracleCase.find(sub.get("outputs"), "image_embedding") != null || !taps.isEmpty()) {
            RunResult r = TimedRun.run("clip-image-h", encoder, CompileOptions.defaults().withTapPaths(List.copyOf(taps.values())), List.of(x));
            if (OracleCase.find(sub.get("outputs"), "image_embedding") != null) result.put("image_embedding", r.output());
            for (JsonNode out : sub.get("outputs")) {
                String name = out.get("name").asText();
                if (taps.containsKey(name)) result.put(name, leadingBlock(r.tap(taps.get(name)), OracleCase.shape(out.get("shape"))));
            }
        }
        if (!gridOutputs.isEmpty()) {
            // One batch: the image, then the black image IP-Adapter Plus encodes as its negative.
            Tensor zeros = Tensor.zeros(DType.F32, x.shape());
            Tensor hidden = TimedRun.run("clip-image-h grid", encoder.gridFeatures(), CompileOptions.defaults(), List.of(Tensors.concat(List.of(x, zeros)))).output();
            long n = x.shape()[0];
            for (JsonNode out : gridOutputs) {
                String name = out.get("name").asText();
                result.put(name, switch (name) {
                    case "penultimate_hidden_states" -> Tensors.narrow(hidden, 0, n);
                    case "penultimate_hidden_states_zero_image" -> Tensors.narrow(hidden, n, n);
                    default -> throw new IllegalArgumentException("clip-image-h: unknown output " + name);
                });
            }
        }
        return result;
    }

    /** The layer of that key name: a child of the encoder, or of one of its chains (the transformer layers). */
    private static Module find(Chain encoder, String name) {
        if (encoder.childNames().contains(name)) return encoder.get(name);
        for (int i = 0; i < encoder.size(); i++)
            if (encoder.get(i) instanceof Chain c && c.childNames().contains(name)) return c.get(name);
        throw new IllegalArgumentException("clip-image-h: no layer " + name);
    }

    /** The block of t starting at index 0 in every dimension, of the given shape (debug outputs keep a few tokens). */
    static Tensor leadingBlock(Tensor t, long[] shape) {
        long[] full = t.shape();
        if (full.length != shape.length) throw new IllegalArgumentException("rank " + full.length + " vs " + shape.length);
        float[] src = t.toFloatArray();
        long total = 1;
        for (long s : shape) total *= s;
        float[] out = new float[(int) total];
        for (int i = 0; i < out.length; i++) {
            long rest = i, offset = 0, stride = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                offset += (rest % shape[d]) * stride;
                rest /= shape[d];
                stride *= full[d];
            }
            out[i] = src[(int) offset];
        }
        return Tensor.ofFloats(shape, out);
    }
}

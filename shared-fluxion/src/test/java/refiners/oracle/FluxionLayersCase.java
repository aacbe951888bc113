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
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.examples.ViT;
import refiners.fluxion.layers.Attention;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.Embedding;
import refiners.fluxion.layers.GLU;
import refiners.fluxion.layers.GeLU;
import refiners.fluxion.layers.GeLUApproximation;
import refiners.fluxion.layers.GroupNorm;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.Parallel;
import refiners.fluxion.layers.ReLU;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.SelfAttention;
import refiners.fluxion.layers.SelfAttention2d;
import refiners.fluxion.layers.SiLU;
import refiners.fluxion.layers.Sigmoid;
import refiners.fluxion.layers.Sum;
import refiners.fluxion.runtime.Runner;

/** Case "fluxion-layers": single layers and compositions built from the manifest's class and constructor kwargs. */
public class FluxionLayersCase implements CaseRunner {
    private static final Pattern SET_CONTEXT = Pattern.compile("set_context\\('([^']+)', \\{'([^']+)': (\\w+)\\}\\)");

    @Override
    public String caseName() {
        return "fluxion-layers";
    }

    static Module build(JsonNode modelSpec, long lastInputDim) {
        String cls = modelSpec.get("class").asText();
        String simple = cls.substring(cls.lastIndexOf('.') + 1);
        Ctor c = new Ctor(cls, modelSpec.get("ctor"));
        Module m = switch (simple) {
            case "Linear" -> new Linear(c.i("in_features"), c.i("out_features"), c.b("bias", true));
            case "Conv2d" -> new Conv2d(c.i("in_channels"), c.i("out_channels"), c.pair("kernel_size", 1), c.pair("stride", 1),
                    c.pair("padding", 0), c.pair("dilation", 1), c.i("groups", 1), c.b("use_bias", true));
            case "LayerNorm" -> new LayerNorm(c.i("normalized_shape"), c.d("eps", 1e-5));
            case "GroupNorm" -> new GroupNorm(c.i("channels"), c.i("num_groups"), c.d("eps", 1e-5));
            case "GeLU" -> new GeLU(GeLUApproximation.valueOf(c.s("approximation", "NONE")));
            case "SiLU" -> new SiLU();
            case "Sigmoid" -> new Sigmoid();
            case "ReLU" -> new ReLU();
            case "GLU" -> new GLU(LayerExpression.build(c.s("activation", null), lastInputDim));
            case "Attention" -> {
                int e = c.i("embedding_dim");
                yield new Attention(e, c.i("num_heads", 1), c.i("key_embedding_dim", e), c.i("value_embedding_dim", e),
                        c.i("inner_dim", e), c.b("use_bias", true), c.b("is_causal", false));
            }
            case "SelfAttention" -> {
                int e = c.i("embedding_dim");
                yield new SelfAttention(e, c.i("inner_dim", e), c.i("num_heads", 1), c.b("use_bias", true), c.b("is_causal", false));
            }
            case "SelfAttention2d" -> new SelfAttention2d(c.i("channels"), c.i("num_heads", 1), c.b("use_bias", true), c.b("is_causal", false));
            case "Embedding" -> new Embedding(c.i("num_embeddings"), c.i("embedding_dim"));
            case "Residual", "Parallel", "Sum" -> {
                List<Module> children = new ArrayList<>();
                for (JsonNode e : c.get("children")) children.add(LayerExpression.build(e.asText(), lastInputDim));
                yield switch (simple) {
                    case "Residual" -> new Residual(children);
                    case "Parallel" -> new Parallel(children.toArray(Module[]::new));
                    default -> new Sum(children);
                };
            }
            case "Concatenate", "Chain" -> {
                c.has("dim"); // part of the expression
                yield LayerExpression.build(c.s("expr", null), lastInputDim);
            }
            case "ViT" -> new ViT(c.i("embedding_dim"), c.i("patch_size"), c.i("image_size"), c.i("num_layers"), c.i("num_heads"),
                    c.b("cross_attention", false));
            default -> throw new IllegalArgumentException("no Java layer for " + cls);
        };
        c.checkAllUsed();
        return m;
    }

    private static long lastInputDim(OracleCase oc, JsonNode sub) {
        JsonNode shape = sub.get("inputs").get(0).get("shape");
        return shape.get(shape.size() - 1).asLong();
    }

    private static Module loaded(OracleCase oc, JsonNode sub) {
        JsonNode spec = sub.get("models").get(0);
        Module m = build(spec, lastInputDim(oc, sub));
        m.loadStateDict(DetInit.stateDict(m.stateDictShapes(), spec.get("seed").asLong()));
        return m;
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        Map<String, Executable> out = new LinkedHashMap<>();
        JsonNode spec = sub.get("models").get(0);
        out.putAll(ModelChecks.of(spec, () -> build(spec, lastInputDim(oc, sub))));
        return out;
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        if (sub.get("models").size() != 1) throw new IllegalArgumentException("expected one model");
        Module model = loaded(oc, sub);
        Map<String, String> contextOf = new LinkedHashMap<>(); // input name -> context name
        Map<String, String> keyOf = new LinkedHashMap<>();
        for (JsonNode call : sub.get("api_calls")) {
            Matcher mt = SET_CONTEXT.matcher(call.asText());
            if (mt.find()) {
                contextOf.put(mt.group(3), mt.group(1));
                keyOf.put(mt.group(3), mt.group(2));
            }
        }
        List<Tensor> positional = new ArrayList<>();
        for (JsonNode in : sub.get("inputs")) {
            String name = in.get("name").asText();
            Tensor t = oc.input(sub, name);
            if (in.has("detinit")) assertEquals(0, mismatches(OracleCase.detinitInput(in), t), name + ": detinit regeneration differs from the stored input");
            if (contextOf.containsKey(name)) ((Chain) model).setContext(contextOf.get(name), Map.of(keyOf.get(name), t));
            else positional.add(t);
        }
        List<Tensor> outs = Runner.shared().forwardAll(model, positional.toArray(Tensor[]::new));
        JsonNode outputs = sub.get("outputs");
        if (outs.size() != outputs.size())
            throw new AssertionError(sub.get("name").asText() + ": model returned " + outs.size() + " outputs, manifest lists " + outputs.size());
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (int i = 0; i < outs.size(); i++) result.put(outputs.get(i).get("name").asText(), outs.get(i));
        return result;
    }

    static int mismatches(Tensor a, Tensor b) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        if (x.length != y.length) return Math.max(x.length, y.length);
        int n = 0;
        for (int i = 0; i < x.length; i++) if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) n++;
        return n;
    }
}

package refiners.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Module;
import refiners.fluxion.runtime.RunResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Autoencoder;

/**
 * Case "sd1-autoencoder": lda.encode(image) (outputs latents, and encoder_raw = the Encoder's output before the
 * scaling, tapped in the same run) and lda.decode(latents) (output image). The operation follows from the subcase's
 * single input: image -> encode, latents -> decode. Each runs the compile-only chain encode()/decode() use.
 */
public class SD1AutoencoderCase implements CaseRunner {
    @Override
    public String caseName() {
        return "sd1-autoencoder";
    }

    static SD1Autoencoder build(JsonNode spec) {
        String cls = spec.get("class").asText();
        if (!cls.endsWith(".SD1Autoencoder")) throw new IllegalArgumentException("sd1-autoencoder: no Java model for " + cls);
        new Ctor(cls, spec.get("ctor")).checkAllUsed();
        return new SD1Autoencoder();
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        JsonNode spec = sub.get("models").get(0);
        return new LinkedHashMap<>(ModelChecks.of(spec, () -> build(spec)));
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        if (sub.get("models").size() != 1) throw new IllegalArgumentException("sd1-autoencoder: expected one model, got " + sub.get("models").size());
        JsonNode spec = sub.get("models").get(0);
        if (sub.get("inputs").size() != 1) throw new IllegalArgumentException("sd1-autoencoder: expected one input, got " + sub.get("inputs").size());
        JsonNode in = sub.get("inputs").get(0);
        String inputName = in.get("name").asText();
        Tensor input = oc.input(sub, inputName);
        if (in.has("detinit"))
            assertEquals(0, FluxionLayersCase.mismatches(OracleCase.detinitInput(in), input), inputName + ": detinit regeneration differs from the stored input");

        SD1Autoencoder lda = build(spec);
        lda.loadStateDict(CachedDetInit.weights(lda, spec.get("seed").asLong()));
        String operation = switch (inputName) {
            case "image" -> "encode";
            case "latents" -> "decode";
            default -> throw new IllegalArgumentException("sd1-autoencoder: unknown input " + inputName);
        };
        Module chain = operation.equals("encode") ? lda.encodeChain() : lda.decodeChain();
        String mainOutput = operation.equals("encode") ? "latents" : "image";

        Map<String, String> taps = new LinkedHashMap<>(); // output name -> tapped layer's path under the run chain
        boolean hasMain = false;
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            if (name.equals(mainOutput)) hasMain = true;
            else if (operation.equals("encode") && name.equals("encoder_raw")) taps.put(name, ((Chain) chain).pathOf(lda.encoder()));
            else throw new IllegalArgumentException("sd1-autoencoder: unknown output " + name + " for " + operation);
        }
        if (!hasMain) throw new IllegalArgumentException("sd1-autoencoder: " + operation + " lists no output " + mainOutput);

        RunResult r = TimedRun.run("sd1-autoencoder " + operation, chain,
                CompileOptions.defaults().withTapPaths(new ArrayList<>(taps.values())), List.of(input));
        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put(mainOutput, r.output());
        taps.forEach((name, path) -> result.put(name, r.tap(path)));
        return result;
    }
}

package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Autoencoder;

/** Case "sd1-autoencoder": lda.encode(image) (latents; encoder_raw = Encoder output) and lda.decode(latents) (image). */
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
        Map<String, Executable> out = new LinkedHashMap<>();
        out.putAll(ModelChecks.of(spec, () -> build(spec)));
        return out;
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        JsonNode spec = sub.get("models").get(0);
        SD1Autoencoder lda = build(spec);
        lda.loadStateDict(DetInit.stateDict(lda.stateDictShapes(), spec.get("seed").asLong()));
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            Tensor t = switch (name) {
                case "latents" -> lda.encode(oc.input(sub, "image"));
                case "encoder_raw" -> lda.encoder().forward(oc.input(sub, "image"));
                case "image" -> lda.decode(oc.input(sub, "latents"));
                default -> throw new IllegalArgumentException("sd1-autoencoder: unknown output " + name);
            };
            result.put(name, t);
        }
        return result;
    }
}

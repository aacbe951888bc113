package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Module;
import refiners.fluxion.runtime.RunResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.TextTimeEmbedding;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.TimestepEncoder;

/**
 * Case "sdxl-unet": SDXLUNet(**ctor) with detinit weights (mapped from the detinit cache: 10.3 GB); inputs x
 * (positional), timestep, clip_text_embedding, pooled_text_embedding and time_ids (the set_* context calls); outputs
 * y and debug taps on the timestep encoder and after the middle block.
 */
public final class SDXLUNetCase implements CaseRunner {
    @Override
    public String caseName() {
        return "sdxl-unet";
    }

    @Override
    public boolean largestModels() {
        return true;
    }

    static SDXLUNet build(JsonNode spec) {
        String cls = spec.get("class").asText();
        if (!cls.endsWith(".SDXLUNet")) throw new IllegalArgumentException("sdxl-unet: no Java model for " + cls);
        Ctor c = new Ctor(cls, spec.get("ctor"));
        SDXLUNet unet = new SDXLUNet(c.i("in_channels"));
        c.checkAllUsed();
        return unet;
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        JsonNode spec = sub.get("models").get(0);
        return new LinkedHashMap<>(ModelChecks.of(spec, () -> build(spec)));
    }

    /** The layer a debug output taps (the manifest's notes name them). */
    private static Module debugLayer(SDXLUNet unet, String output) {
        TimestepEncoder encoder = (TimestepEncoder) unet.get("TimestepEncoder");
        return switch (output) {
            case "time_text_embedding" -> encoder.get("Sum");
            case "text_time_embedding" -> encoder.ensureFind(TextTimeEmbedding.class);
            case "after_MiddleBlock_residual" -> unet.get("Residual");
            default -> throw new IllegalArgumentException("sdxl-unet: unknown output " + output);
        };
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        if (sub.get("models").size() != 1) throw new IllegalArgumentException("sdxl-unet: expected one model");
        JsonNode spec = sub.get("models").get(0);
        SDXLUNet unet = build(spec);
        long t0 = System.nanoTime();
        unet.loadStateDict(SD15PipelineCase.detinit(unet, spec));
        System.out.printf("  sdxl-unet: detinit weights (mapped) in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        List<Tensor> positional = SD1UNetCase.inputs(oc, sub, "sdxl-unet", Map.of("timestep", unet::setTimestep,
                "clip_text_embedding", unet::setClipTextEmbedding, "pooled_text_embedding", unet::setPooledTextEmbedding,
                "time_ids", unet::setTimeIds));
        Map<String, String> taps = new LinkedHashMap<>(); // output name -> tapped layer's path
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            if (!name.equals("y")) taps.put(name, unet.pathOf(debugLayer(unet, name)));
        }
        RunResult r = TimedRun.run("sdxl-unet", unet, CompileOptions.defaults().withTapPaths(new ArrayList<>(taps.values())), positional);
        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put("y", r.output());
        taps.forEach((name, path) -> result.put(name, r.tap(path)));
        return result;
    }
}

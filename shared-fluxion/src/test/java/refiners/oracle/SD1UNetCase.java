package refiners.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.CompiledGraph;
import refiners.fluxion.compile.Compiler;
import refiners.fluxion.compile.Contexts;
import refiners.fluxion.layers.Module;
import refiners.fluxion.runtime.CompiledModel;
import refiners.fluxion.runtime.RunResult;
import refiners.fluxion.runtime.Runner;
import refiners.fluxion.runtime.RuntimeConfig;
import refiners.foundationals.latent_diffusion.RangeEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.TimestepEncoder;

/**
 * Case "sd1-unet": SD1UNet(**ctor) with detinit weights; inputs x (positional), timestep and clip_text_embedding
 * (set_timestep / set_clip_text_embedding); outputs y and debug taps on inner layers.
 */
public final class SD1UNetCase implements CaseRunner {
    @Override
    public String caseName() {
        return "sd1-unet";
    }

    static SD1UNet build(JsonNode spec) {
        String cls = spec.get("class").asText();
        if (!cls.endsWith(".SD1UNet")) throw new IllegalArgumentException("sd1-unet: no Java model for " + cls);
        Ctor c = new Ctor(cls, spec.get("ctor"));
        SD1UNet unet = new SD1UNet(c.i("in_channels"));
        c.checkAllUsed();
        return unet;
    }

    private static JsonNode onlyModel(JsonNode sub) {
        if (sub.get("models").size() != 1) throw new IllegalArgumentException(sub.get("name").asText() + ": expected one model");
        return sub.get("models").get(0);
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        JsonNode spec = onlyModel(sub);
        Map<String, Executable> out = new LinkedHashMap<>();
        out.putAll(ModelChecks.of(spec, () -> build(spec)));
        return out;
    }

    /** The layer a debug output taps: its outputs are named after refiners' layers. */
    private static Module debugLayer(SD1UNet unet, String output) {
        return switch (output) {
            case "timestep_embedding" -> ((TimestepEncoder) unet.get("TimestepEncoder")).ensureFind(RangeEncoder.class);
            case "after_MiddleBlock_sum" -> unet.get("Sum");
            default -> throw new IllegalArgumentException("sd1-unet: unknown output " + output);
        };
    }

    /**
     * A UNet subcase's inputs: x is positional (returned), the others go to their context setter; detinit inputs are
     * regenerated and compared with the stored ones.
     */
    static List<Tensor> inputs(OracleCase oc, JsonNode sub, String label, Map<String, Consumer<Tensor>> contextSetters) {
        List<Tensor> positional = new ArrayList<>();
        for (JsonNode in : sub.get("inputs")) {
            String name = in.get("name").asText();
            Tensor t = oc.input(sub, name);
            if (in.has("detinit")) assertEquals(0, FluxionLayersCase.mismatches(OracleCase.detinitInput(in), t), name + ": detinit regeneration differs from the stored input");
            if (name.equals("x")) positional.add(t);
            else if (contextSetters.containsKey(name)) contextSetters.get(name).accept(t);
            else throw new IllegalArgumentException(label + ": unknown input " + name);
        }
        return positional;
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        JsonNode spec = onlyModel(sub);
        SD1UNet unet = build(spec);
        long t0 = System.nanoTime();
        unet.loadStateDict(CachedDetInit.weights(unet, spec.get("seed").asLong()));
        System.out.printf("  sd1-unet: detinit weights (mapped) in %.1f s%n", (System.nanoTime() - t0) / 1e9);

        List<Tensor> positional = inputs(oc, sub, "sd1-unet", Map.of("timestep", unet::setTimestep, "clip_text_embedding", unet::setClipTextEmbedding));

        Map<String, String> taps = new LinkedHashMap<>(); // output name -> tapped layer's path
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            if (!name.equals("y")) taps.put(name, unet.pathOf(debugLayer(unet, name)));
        }
        CompileOptions options = CompileOptions.defaults().withTapPaths(new ArrayList<>(taps.values()));
        List<Compiler.InputSpec> specs = new ArrayList<>();
        for (Tensor t : positional) specs.add(new Compiler.InputSpec(t.dtype(), options.shapePolicy().apply(t.shape())));

        long c0 = System.nanoTime();
        RuntimeConfig config = Runner.shared().config();
        CompiledGraph graph = Compiler.compile(unet, specs, options, config.device());
        double compileSeconds = (System.nanoTime() - c0) / 1e9;
        try (CompiledModel session = CompiledModel.create(graph, config)) {
            Map<String, Tensor> contextTensors = Contexts.collect(unet).tensors();
            long r0 = System.nanoTime();
            RunResult r = session.run(positional, contextTensors);
            double firstRun = (System.nanoTime() - r0) / 1e9;
            r0 = System.nanoTime();
            session.run(positional, contextTensors);
            double secondRun = (System.nanoTime() - r0) / 1e9;
            System.out.printf("  sd1-unet: compile %.2f s (%d nodes), session creation %.2f s, first run %.2f s, second run %.2f s%n",
                    compileSeconds, graph.nodeCount(), session.creationSeconds(), firstRun, secondRun);
            Map<String, Tensor> result = new LinkedHashMap<>();
            result.put("y", r.output());
            taps.forEach((name, path) -> result.put(name, r.tap(path)));
            return result;
        }
    }
}

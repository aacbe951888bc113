package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.runtime.RunResult;
import refiners.foundationals.latent_diffusion.ClassifierFreeGuidance;
import refiners.foundationals.latent_diffusion.SaveLayerNormAdapter;
import refiners.foundationals.latent_diffusion.solvers.DDIM;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ReferenceOnlyControlAdapter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/**
 * Case "reference-only": StableDiffusion_1's denoising calls with ReferenceOnlyControlAdapter injected and a DDIM
 * solver, as refiners' e2e test runs them: at each listed step the doubled reference latents are noised to the step
 * (the adapter's condition), the UNet runs on the doubled latents, classifier-free guidance combines its halves and the
 * solver steps. Debug outputs: the guide pass's first LayerNorm output (context self_attention_context_0.norm) and a
 * plain UNet call before inject (which the UNet must give again after eject).
 */
public class ReferenceOnlyCase implements CaseRunner {
    @Override
    public String caseName() {
        return "reference-only";
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        JsonNode unet = sub.get("models").get(0);
        return ModelChecks.of(unet, () -> SD1UNetCase.build(unet));
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        if (sub.get("models").size() != 1) throw new IllegalArgumentException("reference-only: expected one model (the UNet)");
        JsonNode spec = sub.get("models").get(0);
        SD1UNet unet = SD1UNetCase.build(spec);
        unet.loadStateDict(SD15PipelineCase.detinit(unet, spec));
        DDIM solver = new DDIM(sub.get("num_inference_steps").asInt(), sub.get("first_inference_step").asInt(), null);
        double conditionScale = sub.get("condition_scale").asDouble();
        double styleCfg = sub.path("reference_only").path("style_cfg").asDouble(0.5);

        Tensor guideLatents = null, x = null, guideNoise = null, textEmbedding = null;
        for (JsonNode in : sub.get("inputs")) {
            String name = in.get("name").asText();
            Tensor t = SD15Img2ImgCase.input(oc, sub, in);
            switch (name) {
                case "guide_latents" -> guideLatents = t;
                case "x" -> x = t;
                case "guide_noise" -> guideNoise = t;
                case "clip_text_embedding" -> textEmbedding = t;
                default -> throw new IllegalArgumentException("reference-only: unknown input " + name);
            }
        }
        if (guideLatents == null || x == null || guideNoise == null || textEmbedding == null)
            throw new IllegalArgumentException("reference-only: inputs guide_latents, x, guide_noise, clip_text_embedding are required");
        List<Integer> steps = new ArrayList<>();
        for (JsonNode s : sub.get("steps")) steps.add(s.asInt());

        unet.setClipTextEmbedding(textEmbedding);
        unet.setTimestep(timestep(solver, steps.get(0)));
        Map<String, long[]> keys = unet.stateDictShapes();
        Tensor without = TimedRun.run("unet", unet, CompileOptions.defaults(), List.of(ClassifierFreeGuidance.batch(x))).output();

        ReferenceOnlyControlAdapter adapter = new ReferenceOnlyControlAdapter(unet, styleCfg).inject();
        Chain guide = (Chain) unet.get(0);
        String normTap = unet.pathOf(guide.layers(SaveLayerNormAdapter.class).get(0).get(0));
        Tensor guide2 = ClassifierFreeGuidance.batch(guideLatents);
        List<Tensor> noised = new ArrayList<>(), unetOutputs = new ArrayList<>(), norms = new ArrayList<>(), trajectory = new ArrayList<>(List.of(x));
        long perCall = guide2.numel();
        for (int k = 0; k < steps.size(); k++) {
            int step = steps.get(k);
            Tensor noise = Tensors.narrow(guideNoise, k, 1).reshape(guide2.shape());
            Tensor condition = Tensor.ofFloats(guide2.shape(), solver.addNoise(guide2.toFloatArray(), noise.toFloatArray(), step));
            noised.add(condition);
            adapter.setControlnetCondition(condition);
            unet.setTimestep(timestep(solver, step));
            RunResult r = TimedRun.run("unet + reference-only", unet, CompileOptions.defaults().withTapPaths(List.of(normTap)), List.of(ClassifierFreeGuidance.batch(x)));
            unetOutputs.add(r.output());
            norms.add(r.tap(normTap));
            Tensor guided = ClassifierFreeGuidance.combine(r.output(), conditionScale);
            x = Tensor.ofFloats(x.shape(), solver.step(x.toFloatArray(), guided.toFloatArray(), step));
            trajectory.add(x);
        }
        if (perCall * steps.size() != guideNoise.numel()) throw new IllegalArgumentException("reference-only: guide_noise is not one noise per call");
        adapter.eject();
        unet.setTimestep(timestep(solver, steps.get(0)));
        EjectCheck.assertRestored(unet, keys.keySet(), without, List.of(ClassifierFreeGuidance.batch(trajectory.get(0))));

        Map<String, Tensor> result = new LinkedHashMap<>();
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            long[] shape = OracleCase.shape(out.get("shape"));
            result.put(name, switch (name) {
                case "noised_guide" -> Tensors.stack(noised);
                case "unet_output" -> Tensors.stack(unetOutputs);
                case "latents_trajectory" -> Tensors.stack(trajectory);
                case "guide_norm_block0" -> ClipImageHCase.leadingBlock(Tensors.stack(norms), shape);
                case "y_without_adapter_call0" -> without;
                case "timesteps" -> solver.timesteps().toTensor();
                default -> throw new IllegalArgumentException("reference-only: unknown output " + name);
            });
        }
        return result;
    }

    private static Tensor timestep(DDIM solver, int step) {
        return Tensor.ofLongs(new long[] {1}, new long[] {(long) solver.timestep(step)});
    }
}

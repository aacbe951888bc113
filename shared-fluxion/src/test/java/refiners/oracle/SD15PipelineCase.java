package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.layers.Module;
import refiners.foundationals.latent_diffusion.solvers.Solver;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;

/**
 * Case "sd15-pipeline": the whole text-to-image loop in process (StableDiffusion_1 over LocalStages, the same code the
 * mesh runs), with the manifest's prompts, guidance, solver, size and initial noise.
 */
public class SD15PipelineCase implements CaseRunner {
    @Override
    public String caseName() {
        return "sd15-pipeline";
    }

    /** The subcase's unet, lda and clip_text_encoder with their detinit weights (the UNet may have 9 channels). */
    static SD1Models models(JsonNode sub) {
        Map<String, JsonNode> specs = new LinkedHashMap<>();
        for (JsonNode m : sub.get("models")) specs.put(m.get("name").asText(), m);
        JsonNode unet = specs.get("unet"), lda = specs.get("lda"), clip = specs.get("clip_text_encoder");
        if (unet == null || lda == null || clip == null || specs.size() != 3) throw new IllegalArgumentException("expected models unet, lda, clip_text_encoder, got " + specs.keySet());
        SD1Models models = new SD1Models(ClipTextLCase.build(clip), SD1UNetCase.build(unet), SD1AutoencoderCase.build(lda), "detinit");
        models.textEncoder().loadStateDict(detinit(models.textEncoder(), clip));
        models.unet().loadStateDict(detinit(models.unet(), unet));
        models.autoencoder().loadStateDict(detinit(models.autoencoder(), lda));
        return models;
    }

    /** Full-size detinit weights of a manifest model, through the detinit file cache (mapped; the mesh maps the same files). */
    static Map<String, Tensor> detinit(Module model, JsonNode spec) {
        return CachedDetInit.weights(model, spec.get("seed").asLong());
    }

    /** Every model of the subcase: state-dict keys and shapes (and structure when the manifest gives one). */
    static Map<String, Executable> modelChecks(JsonNode sub) {
        Map<String, Executable> out = new LinkedHashMap<>();
        for (JsonNode m : sub.get("models")) {
            String name = m.get("name").asText();
            out.putAll(ModelChecks.of(m, () -> switch (name) {
                case "unet" -> SD1UNetCase.build(m);
                case "lda" -> SD1AutoencoderCase.build(m);
                case "clip_text_encoder" -> ClipTextLCase.build(m);
                default -> throw new IllegalArgumentException("unknown model " + name);
            }));
        }
        return out;
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        return modelChecks(sub);
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        SD1Models models = models(sub);
        Solver solver = SchedulersCase.solver(sub.get("solver"));
        if (solver.numInferenceSteps() != sub.get("num_inference_steps").asInt()) throw new IllegalArgumentException("solver and num_inference_steps disagree");
        JsonNode size = sub.get("image_size");
        Tensor noise = oc.input(sub, "noise");
        for (JsonNode in : sub.get("inputs"))
            if (!in.get("name").asText().equals("noise")) throw new IllegalArgumentException("sd15-pipeline: unknown input " + in.get("name"));
        GenerationRequest request = new GenerationRequest(sub.get("prompt").asText(), sub.get("negative_prompt").asText(),
                solver.numInferenceSteps(), sub.get("condition_scale").asDouble(), "dpm", size.get(1).asInt(), size.get(0).asInt(), 0, List.of());
        LocalStages stages = new LocalStages(models);
        List<Tensor> trajectory = new ArrayList<>();
        trajectory.add(Tensor.ofFloats(noise.shape(), solver.scaleModelInput(noise.toFloatArray(), -1)));
        GenerationResult r = StableDiffusion_1.generate(request, stages, (step, total, elapsed, latents) -> trajectory.add(latents), noise, solver);
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            result.put(name, switch (name) {
                case "clip_text_embedding" -> StableDiffusion_1.clipTextEmbedding(stages, request.prompt(), request.negativePrompt(), List.of());
                case "latents_trajectory" -> Tensors.concat(trajectory).reshape(OracleCase.shape(out.get("shape")));
                case "latents" -> r.latents();
                case "image" -> r.image();
                case "timesteps" -> SchedulersCase.timesteps(solver, out);
                default -> throw new IllegalArgumentException("sd15-pipeline: unknown output " + name);
            });
        }
        return result;
    }
}

package refiners.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.foundationals.latent_diffusion.solvers.DPMSolver;
import refiners.foundationals.latent_diffusion.solvers.Solver;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;

/**
 * Case "sd15-img2img": set_inference_steps(steps, first_step) (or a strength, by refiners' rule), init_latents of the
 * uint8 init image and the noise, the loop from the first step, decode; in process over LocalStages with the same
 * StableDiffusion_1.generate the mesh runs.
 */
public class SD15Img2ImgCase implements CaseRunner {
    @Override
    public String caseName() {
        return "sd15-img2img";
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        return SD15PipelineCase.modelChecks(sub);
    }

    /** The subcase's solver (refiners' default DPMSolver unless a "solver" block names one), rebuilt for its steps. */
    static Solver solver(JsonNode sub, int steps, int firstStep) {
        Solver base = sub.has("solver") ? SchedulersCase.solver(sub.get("solver")) : new DPMSolver(steps);
        return base.rebuild(steps, firstStep);
    }

    /** first_step, or refiners' round((1 - strength) * (steps - 1)) from a strength. */
    static int firstStep(JsonNode sub, int steps) {
        if (sub.has("first_step")) return sub.get("first_step").asInt();
        if (sub.has("strength")) return (int) Math.rint((1 - sub.get("strength").asDouble()) * (steps - 1));
        return 0;
    }

    /** The stored input, checked against its detinit regeneration when the manifest gives one. */
    static Tensor input(OracleCase oc, JsonNode sub, JsonNode in) {
        Tensor t = oc.input(sub, in.get("name").asText());
        if (in.has("detinit")) assertEquals(0, FluxionLayersCase.mismatches(OracleCase.detinitInput(in), t), in.get("name").asText() + ": detinit regeneration differs from the stored input");
        return t;
    }

    /** An (H, W[, C]) uint8 image of the request's size (refiners would resize; that is not ported). */
    static Tensor image(Tensor t, String name, JsonNode size) {
        if (t.dtype() != DType.U8) throw new IllegalArgumentException(name + ": expected uint8, got " + t);
        if (t.dim(0) != size.get(0).asInt() || t.dim(1) != size.get(1).asInt())
            throw new IllegalArgumentException(name + " is " + t.dim(1) + "x" + t.dim(0) + ", image_size " + size + ": resizing is not supported");
        return t;
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        int steps = sub.get("num_inference_steps").asInt();
        Solver solver = solver(sub, steps, firstStep(sub, steps));
        JsonNode size = sub.get("image_size");
        Tensor initImage = null, noise = null;
        for (JsonNode in : sub.get("inputs")) {
            String name = in.get("name").asText();
            switch (name) {
                case "init_image" -> initImage = image(input(oc, sub, in), name, size);
                case "noise" -> noise = input(oc, sub, in);
                default -> throw new IllegalArgumentException("sd15-img2img: unknown input " + name);
            }
        }
        if (initImage == null || noise == null) throw new IllegalArgumentException("sd15-img2img: inputs init_image and noise are required");
        LocalStages stages = new LocalStages(SD15PipelineCase.models(sub));
        GenerationRequest request = new GenerationRequest(sub.get("prompt").asText(), sub.get("negative_prompt").asText(), steps,
                sub.get("condition_scale").asDouble(), "dpm", size.get(1).asInt(), size.get(0).asInt(), 0, List.of(), initImage, 1.0, null, List.of());
        Tensor init = StableDiffusion_1.initLatents(stages, solver, initImage, noise);
        List<Tensor> trajectory = new ArrayList<>();
        trajectory.add(Tensor.ofFloats(noise.shape(), solver.scaleModelInput(init.toFloatArray(), -1)));
        GenerationResult r = StableDiffusion_1.generate(request, stages, (step, total, elapsed, latents) -> trajectory.add(latents), noise, solver);
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            result.put(name, switch (name) {
                case "encoded_init_image" -> StableDiffusion_1.imageToLatents(stages, initImage);
                case "init_latents" -> init;
                case "latents_trajectory" -> Tensors.concat(trajectory).reshape(OracleCase.shape(out.get("shape")));
                case "latents" -> r.latents();
                case "image" -> r.image();
                case "steps" -> steps(solver);
                case "timesteps" -> SchedulersCase.timesteps(solver, out);
                default -> throw new IllegalArgumentException("sd15-img2img: unknown output " + name);
            });
        }
        return result;
    }

    static Tensor steps(Solver solver) {
        int[] s = solver.inferenceSteps();
        long[] v = new long[s.length];
        for (int i = 0; i < s.length; i++) v[i] = s[i];
        return Tensor.ofLongs(new long[] {v.length}, v);
    }
}

package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.solvers.Solver;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalAutoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1_Inpainting;

/**
 * Case "sd15-inpainting": StableDiffusion_1_Inpainting with an SD1UNet(9): set_inpainting_conditions(target, mask),
 * the loop from the noise, decode; in process over LocalStages whose UNet stage serves inpainting, with the same
 * StableDiffusion_1.generate the mesh runs (a request with an init image and a mask, strength 1).
 */
public class SD15InpaintingCase implements CaseRunner {
    @Override
    public String caseName() {
        return "sd15-inpainting";
    }

    @Override
    public Map<String, Executable> checks(OracleCase oc, JsonNode sub) {
        return SD15PipelineCase.modelChecks(sub);
    }

    @Override
    public Map<String, Tensor> run(OracleCase oc, JsonNode sub) {
        int steps = sub.get("num_inference_steps").asInt();
        Solver solver = SD15Img2ImgCase.solver(sub, steps, SD15Img2ImgCase.firstStep(sub, steps));
        JsonNode size = sub.get("image_size");
        Tensor target = null, mask = null, noise = null;
        for (JsonNode in : sub.get("inputs")) {
            String name = in.get("name").asText();
            switch (name) {
                case "target_image" -> target = SD15Img2ImgCase.image(SD15Img2ImgCase.input(oc, sub, in), name, size);
                case "mask" -> mask = SD15Img2ImgCase.image(SD15Img2ImgCase.input(oc, sub, in), name, size);
                case "noise" -> noise = SD15Img2ImgCase.input(oc, sub, in);
                default -> throw new IllegalArgumentException("sd15-inpainting: unknown input " + name);
            }
        }
        if (target == null || mask == null || noise == null) throw new IllegalArgumentException("sd15-inpainting: inputs target_image, mask and noise are required");
        SD1Models models = SD15PipelineCase.models(sub);
        if (models.unet().inChannels() != 9) throw new IllegalArgumentException("sd15-inpainting: the UNet has " + models.unet().inChannels() + " input channels, not 9");
        Runner runner = Runner.shared();
        LocalStages stages = new LocalStages(new LocalTextEncoder(models.textEncoder(), LocalStages.DEFAULT_OPTIONS, null, runner),
                new LocalUNet(null, models.unet(), null, LocalStages.DEFAULT_OPTIONS, null, runner),
                new LocalAutoencoder(models.autoencoder(), LocalStages.DEFAULT_OPTIONS, runner));
        GenerationRequest request = new GenerationRequest(sub.get("prompt").asText(), sub.get("negative_prompt").asText(), steps,
                sub.get("condition_scale").asDouble(), "dpm", size.get(1).asInt(), size.get(0).asInt(), 0, List.of(), target, 1.0, mask, List.of());
        List<Tensor> trajectory = new ArrayList<>();
        trajectory.add(Tensor.ofFloats(noise.shape(), solver.scaleModelInput(noise.toFloatArray(), -1)));
        GenerationResult r = StableDiffusion_1.generate(request, stages, (step, total, elapsed, latents) -> trajectory.add(latents), noise, solver);
        StableDiffusion_1_Inpainting.Conditions conditions = StableDiffusion_1_Inpainting.conditions(stages, target, mask, noise.shape());
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (JsonNode out : sub.get("outputs")) {
            String name = out.get("name").asText();
            result.put(name, switch (name) {
                case "mask_latents" -> conditions.maskLatents();
                case "target_image_latents" -> conditions.targetImageLatents();
                case "latents_trajectory" -> Tensors.concat(trajectory).reshape(OracleCase.shape(out.get("shape")));
                case "latents" -> r.latents();
                case "image" -> r.image();
                default -> throw new IllegalArgumentException("sd15-inpainting: unknown output " + name);
            });
        }
        return result;
    }
}

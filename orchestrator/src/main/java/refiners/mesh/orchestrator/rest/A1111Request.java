package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The body of POST /sdapi/v1/txt2img and /img2img: the fields of A1111's StableDiffusionProcessing API models that we
 * honour (docs/api.md); A1111's clients send many more (restore_faces, hr_*, alwayson_scripts ...), which are taken
 * and ignored, as A1111 ignores what its scripts do not read. Absent fields take A1111's defaults.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record A1111Request(
        String prompt,
        @JsonProperty("negative_prompt") String negativePrompt,
        Integer steps,
        @JsonProperty("cfg_scale") Double cfgScale,
        Integer width,
        Integer height,
        Long seed,
        @JsonProperty("sampler_name") String samplerName,
        @JsonProperty("sampler_index") String samplerIndex,
        String scheduler,
        @JsonProperty("batch_size") Integer batchSize,
        @JsonProperty("n_iter") Integer nIter,
        @JsonProperty("init_images") List<String> initImages,
        @JsonProperty("denoising_strength") Double denoisingStrength,
        String mask,
        @JsonProperty("inpainting_mask_invert") Integer inpaintingMaskInvert,
        @JsonProperty("include_init_images") Boolean includeInitImages,
        @JsonProperty("send_images") Boolean sendImages) {

    // A1111's defaults (StableDiffusionProcessing and its API models)
    static final int STEPS = 50, SIZE = 512;
    static final double CFG_SCALE = 7.0, DENOISING_STRENGTH = 0.75;

    int stepsOrDefault() {
        return steps != null ? steps : STEPS;
    }

    double cfgScaleOrDefault() {
        return cfgScale != null ? cfgScale : CFG_SCALE;
    }

    int widthOrDefault() {
        return width != null ? width : SIZE;
    }

    int heightOrDefault() {
        return height != null ? height : SIZE;
    }

    String sampler() {
        return samplerName != null && !samplerName.isBlank() ? samplerName : samplerIndex;
    }

    /** batch_size × n_iter images (A1111 runs n_iter batches of batch_size; here they all run together). */
    int images() {
        int batch = batchSize != null ? batchSize : 1, iterations = nIter != null ? nIter : 1;
        if (batch < 1) throw OpenAiImages.refused("batch_size", "must be >= 1, got " + batch);
        if (iterations < 1) throw OpenAiImages.refused("n_iter", "must be >= 1, got " + iterations);
        long n = (long) batch * iterations;
        if (n > refiners.mesh.orchestrator.ImageBatch.MAX_IMAGES)
            throw OpenAiImages.refused(batchSize != null && batch > 1 ? "batch_size" : "n_iter", "batch_size × n_iter must be at most "
                    + refiners.mesh.orchestrator.ImageBatch.MAX_IMAGES + " images, got " + batch + " × " + iterations);
        return (int) n;
    }
}

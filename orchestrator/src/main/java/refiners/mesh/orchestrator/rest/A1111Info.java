package refiners.mesh.orchestrator.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The "info" of an A1111 answer (a JSON string, as A1111's Processed.js() writes it), with A1111's fields and types:
 * the seeds actually used, one infotext per image; what we do not have (subseeds, face restoration, hashes) at A1111's
 * "none" values.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record A1111Info(
        String prompt,
        @JsonProperty("all_prompts") List<String> allPrompts,
        @JsonProperty("negative_prompt") String negativePrompt,
        @JsonProperty("all_negative_prompts") List<String> allNegativePrompts,
        long seed,
        @JsonProperty("all_seeds") List<Long> allSeeds,
        long subseed,
        @JsonProperty("all_subseeds") List<Long> allSubseeds,
        @JsonProperty("subseed_strength") double subseedStrength,
        int width,
        int height,
        @JsonProperty("sampler_name") String samplerName,
        @JsonProperty("cfg_scale") double cfgScale,
        int steps,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("restore_faces") boolean restoreFaces,
        @JsonProperty("face_restoration_model") String faceRestorationModel,
        @JsonProperty("sd_model_name") String sdModelName,
        @JsonProperty("sd_model_hash") String sdModelHash,
        @JsonProperty("sd_vae_name") String sdVaeName,
        @JsonProperty("sd_vae_hash") String sdVaeHash,
        @JsonProperty("seed_resize_from_w") int seedResizeFromW,
        @JsonProperty("seed_resize_from_h") int seedResizeFromH,
        @JsonProperty("denoising_strength") Double denoisingStrength,
        @JsonProperty("extra_generation_params") Map<String, Object> extraGenerationParams,
        @JsonProperty("index_of_first_image") int indexOfFirstImage,
        List<String> infotexts,
        List<String> styles,
        @JsonProperty("job_timestamp") String jobTimestamp,
        @JsonProperty("clip_skip") int clipSkip,
        @JsonProperty("is_using_inpainting_conditioning") boolean isUsingInpaintingConditioning,
        String version) {

    /**
     * @param seeds the seed of each image, in image order
     * @param denoisingStrength img2img's (null for txt2img)
     */
    static A1111Info of(A1111Request r, String sampler, List<Long> seeds, int width, int height, String model, Double denoisingStrength,
                        boolean inpainting, String timestamp) {
        String prompt = r.prompt() == null ? "" : r.prompt(), negative = r.negativePrompt() == null ? "" : r.negativePrompt();
        int n = seeds.size();
        List<String> infotexts = new ArrayList<>();
        for (long seed : seeds) {
            String params = String.format(Locale.ROOT, "Steps: %d, Sampler: %s, CFG scale: %s, Seed: %d, Size: %dx%d, Model: %s", r.stepsOrDefault(), sampler,
                    r.cfgScaleOrDefault(), seed, width, height, model) + (denoisingStrength == null ? "" : ", Denoising strength: " + denoisingStrength);
            infotexts.add(prompt + (negative.isEmpty() ? "" : "\nNegative prompt: " + negative) + "\n" + params);
        }
        int batch = r.batchSize() != null ? r.batchSize() : 1;
        return new A1111Info(prompt, Collections.nCopies(n, prompt), negative, Collections.nCopies(n, negative), seeds.get(0), seeds, -1,
                Collections.nCopies(n, -1L), 0, width, height, sampler, r.cfgScaleOrDefault(), r.stepsOrDefault(), batch, false, null, model, null, null,
                null, -1, -1, denoisingStrength, Map.of(), 0, infotexts, List.of(), timestamp, 1, inpainting, "refiners-java");
    }
}

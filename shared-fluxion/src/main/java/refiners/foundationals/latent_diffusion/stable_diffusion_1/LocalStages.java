package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.adapters.LoraSlots;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.ShapePolicy;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.ClassifierFreeGuidance;

/**
 * The stages in this process. The UNet and text encoder carry run-time LoRA slots when a LoRA source is given, so
 * each generation picks its own LoRA set without a new session. Thread-safe: runs pass their contexts per call.
 */
public final class LocalStages implements SD1Stages {
    /** Resolves LoRA names and scales to per-layer weights for each model (see LoraLibrary). */
    public interface LoraSource {
        List<refiners.fluxion.adapters.LoraWeights> unet(List<GenerationRequest.LoraWeight> loras);

        List<refiners.fluxion.adapters.LoraWeights> textEncoder(List<GenerationRequest.LoraWeight> loras);
    }

    /** How the mesh and the in-process pipeline compile: one session per model serves every image size. */
    public static final CompileOptions DEFAULT_OPTIONS = CompileOptions.defaults().withShapePolicy(ShapePolicy.DYNAMIC_BATCH_AND_SPATIAL);

    private final SD1Models models;
    private final CompileOptions options;
    private final Runner runner;
    private final LoraSource loras;
    private final LoraSlots unetSlots;
    private final LoraSlots textEncoderSlots;
    /** Slot feeds of recently used LoRA sets: switching back to a set costs nothing. */
    private final Map<String, Map<String, Map<String, Object>>> feedCache = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Map<String, Map<String, Object>>> e) {
                    return size() > 16;
                }
            });

    public LocalStages(SD1Models models) {
        this(models, DEFAULT_OPTIONS, null);
    }

    /** On the shared runner (configured from the environment). */
    public LocalStages(SD1Models models, CompileOptions options, LoraSource loras) {
        this(models, options, loras, Runner.shared());
    }

    /** On {@code runner}: its RuntimeConfig decides the device, threads and session cache of every stage. */
    public LocalStages(SD1Models models, CompileOptions options, LoraSource loras, Runner runner) {
        this.models = models;
        this.runner = runner;
        this.loras = loras;
        if (loras != null) {
            this.unetSlots = LoraSlots.install(models.unet(), l -> true);
            this.textEncoderSlots = LoraSlots.install(models.textEncoder(), l -> true);
            this.options = LoraSlots.options(options);
        } else {
            this.unetSlots = null;
            this.textEncoderSlots = null;
            this.options = options;
        }
    }

    public SD1Models models() {
        return models;
    }

    @Override
    public Tensor encodeText(List<String> prompts, List<GenerationRequest.LoraWeight> loraSet) {
        Tensor ids = models.textEncoder().tokenizer().tokenize(prompts);
        return runner.run(models.textEncoder(), options, List.of(ids), feeds(textEncoderSlots, loraSet, false)).output();
    }

    private Map<String, Map<String, Object>> feeds(LoraSlots slots, List<GenerationRequest.LoraWeight> loraSet, boolean unet) {
        if (slots == null) {
            if (!loraSet.isEmpty()) throw new IllegalArgumentException("LoRAs requested but this pipeline has no LoRA library");
            return Map.of();
        }
        String key = (unet ? "unet" : "text_encoder") + loraSet;
        Map<String, Map<String, Object>> f = feedCache.get(key);
        if (f == null) {
            f = slots.feeds(unet ? loras.unet(loraSet) : loras.textEncoder(loraSet));
            feedCache.put(key, f);
        }
        return f;
    }

    /** Forgets prepared LoRA sets (call after unloading or replacing a LoRA file). */
    public void clearLoraCache() {
        feedCache.clear();
    }

    @Override
    public Denoiser openDenoiser(Tensor conditional, Tensor unconditional, double guidanceScale,
                                 List<GenerationRequest.LoraWeight> loraSet, long[] latentShape) {
        Tensor embedding = Tensors.concat(List.of(unconditional, conditional));
        Map<String, Map<String, Object>> base = new HashMap<>(feeds(unetSlots, loraSet, true));
        return new Denoiser() {
            @Override
            public Tensor guidedNoise(int stepIndex, double timestep, Tensor latents) {
                Map<String, Map<String, Object>> ctx = new HashMap<>(base);
                ctx.put("diffusion", Map.of("timestep", Tensor.ofFloats(new long[] {1}, (float) timestep)));
                ctx.put("cross_attention_block", Map.of("clip_text_embedding", embedding));
                Tensor prediction = runner.run(models.unet(), options, List.of(ClassifierFreeGuidance.batch(latents)), ctx).output();
                return ClassifierFreeGuidance.combine(prediction, guidanceScale);
            }

            @Override
            public void close() {
                // nothing held per generation
            }
        };
    }

    @Override
    public Tensor decode(Tensor latents) {
        return models.autoencoder().decode(latents, options, runner);
    }

    /** An image (1, 3, H, W) in [-1, 1] to scaled latents, compiled as the other stages are (same dtype). */
    public Tensor encode(Tensor image) {
        return models.autoencoder().encode(image, options, runner);
    }
}

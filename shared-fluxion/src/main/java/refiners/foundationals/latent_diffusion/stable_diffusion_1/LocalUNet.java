package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.adapters.LoraSlots;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.ClassifierFreeGuidance;

/**
 * The UNet stage in this process: SD1UNet with run-time LoRA slots when a LoRA source is given, classifier-free
 * guidance over a batch of 2. Thread-safe: each run passes its contexts.
 */
public final class LocalUNet {
    private final SD1UNet model;
    private final LoraSetFeeds loras;
    private final CompileOptions options;
    private final Runner runner;

    /**
     * @param loras where LoRA sets come from (null: no LoRAs)
     * @param runner whose runtime configuration (device, threads, session cache) the model runs with
     */
    public LocalUNet(SD1UNet model, CompileOptions options, LocalStages.LoraSource loras, Runner runner) {
        this.model = model;
        this.runner = runner;
        this.loras = new LoraSetFeeds(model, loras == null ? null : loras::unet);
        this.options = this.loras.hasSlots() ? LoraSlots.options(options) : options;
    }

    public SD1UNet model() {
        return model;
    }

    /** A denoiser for one generation: conditioning, guidance and LoRA set fixed until it is closed. */
    public SD1Stages.Denoiser open(Tensor conditional, Tensor unconditional, double guidanceScale, List<GenerationRequest.LoraWeight> loraSet) {
        Tensor embedding = Tensors.concat(List.of(unconditional, conditional));
        Map<String, Map<String, Object>> base = loras.feeds(loraSet);
        return new SD1Stages.Denoiser() {
            @Override
            public Tensor guidedNoise(int stepIndex, double timestep, Tensor latents) {
                Map<String, Map<String, Object>> ctx = new HashMap<>(base);
                ctx.put("diffusion", Map.of("timestep", Tensor.ofFloats(new long[] {1}, (float) timestep)));
                ctx.put("cross_attention_block", Map.of("clip_text_embedding", embedding));
                Tensor prediction = runner.run(model, options, List.of(ClassifierFreeGuidance.batch(latents)), ctx).output();
                return ClassifierFreeGuidance.combine(prediction, guidanceScale);
            }

            @Override
            public void close() {
                // nothing held per generation
            }
        };
    }

    /** Forgets prepared LoRA sets (after a LoRA file was unloaded or replaced). */
    public void clearLoraCache() {
        loras.clear();
    }
}

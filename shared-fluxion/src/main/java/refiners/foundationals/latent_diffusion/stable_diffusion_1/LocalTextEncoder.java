package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.LoraSlots;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.clip.CLIPTextEncoderL;

/**
 * The text-encoder stage in this process: tokenizer + CLIPTextEncoderL, with LoRA slots when a LoRA source is given.
 * A set without text-encoder layers runs on the same encoder without slots (as LocalUNet's LoRA-free calls do).
 */
public final class LocalTextEncoder {
    private final CLIPTextEncoderL model;
    /** The encoder without slots (null: the model has none): its layers and mapped weights are the model's. */
    private final CLIPTextEncoderL slotFree;
    private final LoraSetFeeds loras;
    private final CompileOptions options, plainOptions;
    private final Runner runner;

    /**
     * @param loras where LoRA sets come from (null: no LoRAs)
     * @param runner whose runtime configuration (device, threads, session cache) the model runs with
     */
    public LocalTextEncoder(CLIPTextEncoderL model, CompileOptions options, LocalStages.LoraSource loras, Runner runner) {
        this.model = model;
        this.runner = runner;
        this.slotFree = loras == null ? null : (CLIPTextEncoderL) model.structuralCopy(); // before the slots go in
        this.loras = new LoraSetFeeds(model, loras == null ? null : loras::textEncoder);
        this.options = this.loras.hasSlots() ? LoraSlots.options(options) : options;
        this.plainOptions = options;
    }

    public CLIPTextEncoderL model() {
        return model;
    }

    /** (N, 77, 768) float32 in one model call, the LoRAs' text-encoder part applied. */
    public Tensor encode(List<String> prompts, List<GenerationRequest.LoraWeight> loraSet) {
        Tensor ids = model.tokenizer().tokenize(prompts);
        if (slotFree != null && loraSet.isEmpty()) return runner.run(slotFree, plainOptions, List.of(ids)).output();
        return runner.run(model, options, List.of(ids), loras.feeds(loraSet)).output();
    }

    /** Forgets prepared LoRA sets (after a LoRA file was unloaded or replaced). */
    public void clearLoraCache() {
        loras.clear();
    }
}

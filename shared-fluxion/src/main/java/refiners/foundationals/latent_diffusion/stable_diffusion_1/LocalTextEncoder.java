package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.LoraSlots;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.clip.CLIPTokenizer;

/**
 * The text-encoder stage in this process: tokenizer + CLIPTextEncoderL (SD 1.x) or SDXL's DoubleTextEncoder (whose
 * graph also takes CLIP-L's token ids), with LoRA slots when a LoRA source is given. A set without text-encoder layers
 * runs on the same encoder without slots (as LocalUNet's LoRA-free calls do).
 */
public final class LocalTextEncoder {
    private final Chain model;
    /** The encoder without slots (null: the model has none): its layers and mapped weights are the model's. */
    private final Chain slotFree;
    private final CLIPTokenizer tokenizer;
    private final LoraSetFeeds loras;
    private final CompileOptions options, plainOptions;
    private final Runner runner;

    /**
     * @param loras where LoRA sets come from (null: no LoRAs)
     * @param runner whose runtime configuration (device, threads, session cache) the model runs with
     */
    public LocalTextEncoder(CLIPTextEncoderL model, CompileOptions options, LocalStages.LoraSource loras, Runner runner) {
        this(model, model.tokenizer(), options, loras, runner);
    }

    /** Any text encoder whose graph takes the (N, 77) ids of {@code tokenizer} (SDXL: DoubleTextEncoder and CLIP-L's tokenizer). */
    public LocalTextEncoder(Chain model, CLIPTokenizer tokenizer, CompileOptions options, LocalStages.LoraSource loras, Runner runner) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.runner = runner;
        this.slotFree = loras == null ? null : model.structuralCopy(); // before the slots go in
        this.loras = new LoraSetFeeds(model, loras == null ? null : loras::textEncoder);
        this.options = this.loras.hasSlots() ? LoraSlots.options(options) : options;
        this.plainOptions = options;
    }

    public CLIPTokenizer tokenizer() {
        return tokenizer;
    }

    /** (N, 77, 768) float32 in one model call, the LoRAs' text-encoder part applied (SDXL: the first output, (N, 77, 2048)). */
    public Tensor encode(List<String> prompts, List<GenerationRequest.LoraWeight> loraSet) {
        return encodeAll(prompts, loraSet).get(0);
    }

    /** Every output of the model in one call: SDXL's embeddings (N, 77, 2048) and pooled embeddings (N, 1280). */
    public List<Tensor> encodeAll(List<String> prompts, List<GenerationRequest.LoraWeight> loraSet) {
        Tensor ids = tokenizer.tokenize(prompts);
        if (slotFree != null && loraSet.isEmpty()) return runner.run(slotFree, plainOptions, List.of(ids)).outputs();
        return runner.run(model, options, List.of(ids), loras.feeds(loraSet)).outputs();
    }

    /** Forgets prepared LoRA sets (after a LoRA file was unloaded or replaced). */
    public void clearLoraCache() {
        loras.clear();
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.conversion.WeightsDirectory;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.adapters.LoraSlots;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.ClassifierFreeGuidance;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;

/**
 * The UNet stage in this process: SD1UNet (and, when given, the 9-channel inpainting SD1UNet) with run-time LoRA slots
 * when a LoRA source is given, ControlNets from a ControlNet source, classifier-free guidance over a batch of 2.
 *
 * <p>A set of ControlNets changes the UNet's structure: each set gets its own copy of the UNet (layers and weights
 * shared) with the ControlNets injected, kept for the next requests with that set, so its compiled session is reused;
 * conditions and scales are per-call inputs. Thread-safe: each run passes its contexts.
 */
public final class LocalUNet {
    /** ControlNets by name, with their weights loaded (see ControlnetLibrary). */
    public interface ControlnetSource {
        /** The ControlNet {@code name} (a WeightsDirectory.NotFoundException naming {@code field} when there is none). */
        Controlnet load(String name, String field);
    }

    /** ControlNet sets kept per UNet (each holds a compiled session in the runner). */
    private static final int CACHED_CONTROLNET_SETS = 4;

    private final Variant standard;
    private final Variant inpainting;
    private final ControlnetSource controlnets;
    private final Runner runner;

    /** One UNet (4 or 9 input channels), its LoRA feeds and its ControlNet sets. */
    private final class Variant {
        final SD1UNet model;
        final LoraSetFeeds loras;
        final CompileOptions options;
        final Map<List<String>, SD1UNet> controlnetSets = new LinkedHashMap<>(CACHED_CONTROLNET_SETS, 0.75f, true);

        Variant(SD1UNet model, CompileOptions options, LocalStages.LoraSource loraSource) {
            this.model = model;
            this.loras = new LoraSetFeeds(model, loraSource == null ? null : loraSource::unet);
            this.options = loras.hasSlots() ? LoraSlots.options(options) : options;
        }

        /** The UNet with these ControlNets injected (by name order): built once per set, the oldest set forgotten. */
        synchronized SD1UNet with(List<SD1Stages.ControlnetCondition> conditions) {
            if (conditions.isEmpty()) return model;
            List<String> names = conditions.stream().map(SD1Stages.ControlnetCondition::name).sorted().toList();
            SD1UNet adapted = controlnetSets.get(names);
            if (adapted != null) return adapted;
            adapted = (SD1UNet) model.structuralCopy();
            for (String name : names) new SD1ControlnetAdapter(adapted, load(name, conditions).structuralCopy()).inject();
            controlnetSets.put(names, adapted);
            if (controlnetSets.size() > CACHED_CONTROLNET_SETS) {
                var eldest = controlnetSets.entrySet().iterator().next();
                controlnetSets.remove(eldest.getKey());
                runner.forget(eldest.getValue());
            }
            return adapted;
        }

        private Controlnet load(String name, List<SD1Stages.ControlnetCondition> conditions) {
            int i = 0;
            while (!conditions.get(i).name().equals(name)) i++;
            String field = "controlnets[" + i + "].name";
            if (controlnets == null) WeightsDirectory.require(null, name, field, "ControlNet", "REFINERS_CONTROLNET_DIR");
            return controlnets.load(name, field);
        }
    }

    /**
     * @param loras where LoRA sets come from (null: no LoRAs)
     * @param runner whose runtime configuration (device, threads, session cache) the model runs with
     */
    public LocalUNet(SD1UNet model, CompileOptions options, LocalStages.LoraSource loras, Runner runner) {
        this(model, null, null, options, loras, runner);
    }

    /**
     * @param model the SD1UNet(4) requests without a mask use (null: only inpainting is served)
     * @param inpaintingModel the SD1UNet(9) requests with a mask use (null: inpainting is refused)
     * @param controlnets where ControlNets come from (null: requests with ControlNets are refused)
     */
    public LocalUNet(SD1UNet model, SD1UNet inpaintingModel, ControlnetSource controlnets, CompileOptions options,
                     LocalStages.LoraSource loras, Runner runner) {
        if (model != null && model.inChannels() != 4) throw new IllegalArgumentException("the UNet must have 4 input channels, not " + model.inChannels());
        if (inpaintingModel != null && inpaintingModel.inChannels() != 9)
            throw new IllegalArgumentException("the inpainting UNet must have 9 input channels, not " + inpaintingModel.inChannels());
        if (model == null && inpaintingModel == null) throw new IllegalArgumentException("no UNet given");
        this.runner = runner;
        this.controlnets = controlnets;
        this.standard = model == null ? null : new Variant(model, options, loras);
        this.inpainting = inpaintingModel == null ? null : new Variant(inpaintingModel, options, loras);
    }

    /** Whether requests with a mask are served (an inpainting UNet was given). */
    public boolean servesInpainting() {
        return inpainting != null;
    }

    /** A text-to-image denoiser: conditioning, guidance and LoRA set fixed until it is closed. */
    public SD1Stages.Denoiser open(Tensor conditional, Tensor unconditional, double guidanceScale, List<GenerationRequest.LoraWeight> loraSet) {
        return open(new SD1Stages.Conditioning(conditional, unconditional, guidanceScale, loraSet, null));
    }

    /** A denoiser for one generation: everything but each step's latents and timestep fixed until it is closed. */
    public SD1Stages.Denoiser open(SD1Stages.Conditioning c) {
        Variant variant = c.inpainting() ? inpainting : standard;
        if (variant == null)
            throw new IllegalStateException(c.inpainting() ? "mask: inpainting needs an inpainting UNet, and none is loaded" : "this UNet stage only serves inpainting");
        Tensor embedding = Tensors.concat(List.of(c.unconditional(), c.conditional()));
        Map<String, Map<String, Object>> base = new HashMap<>(variant.loras.feeds(c.loras()));
        base.put(CrossAttentionBlock.CONTEXT, Map.of("clip_text_embedding", embedding));
        if (!c.controlnets().isEmpty()) {
            Map<String, Object> feeds = new HashMap<>();
            for (SD1Stages.ControlnetCondition cn : c.controlnets()) {
                feeds.put(Controlnet.conditionKey(cn.name()), cn.condition());
                feeds.put(Controlnet.scalesKey(cn.name()), Controlnet.scales(cn.scale(), cn.scaleDecay()));
            }
            base.put(Controlnet.CONTEXT, feeds);
        }
        SD1UNet model = variant.with(c.controlnets());
        return new SD1Stages.Denoiser() {
            @Override
            public Tensor guidedNoise(int stepIndex, double timestep, Tensor latents) {
                Map<String, Map<String, Object>> ctx = new HashMap<>(base);
                ctx.put("diffusion", Map.of("timestep", Tensor.ofFloats(new long[] {1}, (float) timestep)));
                Tensor input = c.inpainting() ? StableDiffusion_1_Inpainting.concat(latents, c.maskLatents(), c.targetLatents()) : latents;
                Tensor prediction = runner.run(model, variant.options, List.of(ClassifierFreeGuidance.batch(input)), ctx).output();
                return ClassifierFreeGuidance.combine(prediction, c.guidanceScale());
            }

            @Override
            public void close() {
                // nothing held per generation: ControlNet sets stay for the next one
            }
        };
    }

    /** Forgets prepared LoRA sets (after a LoRA file was unloaded or replaced). */
    public void clearLoraCache() {
        for (Variant v : new Variant[] {standard, inpainting}) if (v != null) v.loras.clear();
    }
}

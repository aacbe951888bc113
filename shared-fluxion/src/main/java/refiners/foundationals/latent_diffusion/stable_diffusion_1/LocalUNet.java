package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.conversion.WeightsDirectory;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.adapters.BatchedLoraSlots;
import refiners.fluxion.adapters.LoraWeights;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.ClassifierFreeGuidance;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;
import refiners.foundationals.latent_diffusion.SelfAttentionInjectionPassthrough;
import refiners.foundationals.latent_diffusion.image_prompt.IPAdapter;

/**
 * The UNet stage in this process: SD1UNet (and, when given, the 9-channel inpainting SD1UNet) with batched run-time
 * LoRA slots when a LoRA source is given, ControlNets from a ControlNet source, classifier-free guidance; or an
 * SDXLUNet, whose samples also carry their pooled text embedding and time ids.
 *
 * <p>A generation is {@link #open opened} once; its steps run alone ({@link Generation#guidedNoise}) or together with
 * other generations' steps in one UNet call ({@link #guidedNoise(List)}): each generation contributes its pair
 * (unconditional, conditional) with its own timestep, embeddings, LoRA set (see {@link refiners.fluxion.adapters.BatchedLoraSlots}),
 * inpainting conditions, ControlNet conditions and scales, image-prompt tokens. With reference-only control a
 * generation's steps run alone, each with its noised reference latents (see BatchKey). Generations share a call when their {@link Generation#batchKey}
 * is equal: same UNet (standard or inpainting) with the same ControlNet set, same latent size, same LoRA weights on
 * convolutions that cannot take them per sample. A generation's result does not depend on its company (ONNX Runtime's
 * CPU kernels compute each sample alike at any batch size from 2; tested bit for bit). A generation with guidance off
 * is one sample (the conditional) and runs alone, a batch of 1 (see BatchKey).
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

    /** IP-Adapters by name (see IpAdapterLibrary). */
    public interface IpAdapterSource {
        /** Whether the IP-Adapter {@code name} is a Plus one, as its keys say (a WeightsDirectory.NotFoundException naming {@code field} when there is none). */
        boolean isPlus(String name, String field);

        /** Its weights in refiners' layout, for an adapter of these file keys and shapes. */
        Map<String, Tensor> weights(String name, String field, Map<String, long[]> expected);
    }

    /** Adapter sets (ControlNets, IP-Adapter) kept per UNet (each holds a compiled session in the runner). */
    private static final int CACHED_ADAPTER_SETS = 4;

    private final Variant standard;
    private final Variant inpainting;
    private final ControlnetSource controlnets;
    private final IpAdapterSource ipAdapters;
    private final Runner runner;

    /** One UNet (4 or 9 input channels), its LoRA feeds and its ControlNet sets. */
    private final class Variant {
        final Chain model;
        /**
         * The same UNet without slots (null: the model has none), for calls in which no sample has a LoRA: empty
         * slots still cost two thin products and a gather per layer on every step. Its layers are the model's (a
         * structural copy made before the slots went in), so its session (compiled on first use) maps the same
         * weights; a sample gets the same bits from either graph (an empty slot adds exact zeros).
         */
        final Chain slotFree;
        final BatchedLoraFeeds loras;
        final CompileOptions options, plainOptions;
        final Map<AdapterSet, Adapted> adaptedSets = new LinkedHashMap<>(CACHED_ADAPTER_SETS, 0.75f, true);

        Variant(Chain model, CompileOptions options, LocalStages.LoraSource loraSource) {
            this.model = model;
            this.slotFree = loraSource == null ? null : model.structuralCopy();
            this.loras = new BatchedLoraFeeds(model, loraSource == null ? null : loraSource::unet);
            this.options = loras.hasSlots() ? BatchedLoraSlots.options(options) : options;
            this.plainOptions = options;
        }

        /**
         * The UNet with this IP-Adapter (null: none), these ControlNets (by name order) and reference-only control
         * (whose style_cfg each call feeds) injected: built once per set, the oldest set forgotten. The IP-Adapter goes
         * first, so it adapts the UNet's cross-attentions only; reference-only control goes last, so its guide pass
         * (a copy of the UNet made then) runs the image prompts and LoRAs of the sample pair too, as refiners' does
         * when it is injected after them.
         */
        synchronized Adapted with(List<SD1Stages.ControlnetCondition> conditions, String ipAdapter, boolean referenced) {
            if (conditions.isEmpty() && ipAdapter == null && !referenced) return new Adapted(model, null);
            List<String> names = conditions.stream().map(SD1Stages.ControlnetCondition::name).sorted().toList();
            AdapterSet set = new AdapterSet(names, ipAdapter, referenced);
            Adapted adapted = adaptedSets.get(set);
            if (adapted != null) return adapted;
            SD1UNet copy = (SD1UNet) model.structuralCopy();
            SD1IPAdapter ip = ipAdapter == null ? null : ipAdapter(copy, ipAdapter);
            for (String name : names) new SD1ControlnetAdapter(copy, load(name, conditions).structuralCopy()).inject();
            if (referenced) new ReferenceOnlyControlAdapter(copy, GenerationRequest.DEFAULT_REFERENCE_STYLE_CFG).inject();
            adapted = new Adapted(copy, ip);
            adaptedSets.put(set, adapted);
            if (adaptedSets.size() > CACHED_ADAPTER_SETS) {
                var eldest = adaptedSets.entrySet().iterator().next();
                adaptedSets.remove(eldest.getKey());
                runner.forget(eldest.getValue().model());
            }
            return adapted;
        }

        /** The IP-Adapter {@code name} injected into {@code unet}, its scale fed per sample. */
        private SD1IPAdapter ipAdapter(SD1UNet unet, String name) {
            String field = "ip_adapter";
            if (ipAdapters == null) WeightsDirectory.require(null, name, field, "IP-Adapter", null);
            SD1IPAdapter adapter = new SD1IPAdapter(unet, 1.0, ipAdapters.isPlus(name, field), null);
            adapter.loadWeights(ipAdapters.weights(name, field, adapter.weightShapes()));
            adapter.inject();
            adapter.usePerSampleScales();
            return adapter;
        }

        private Controlnet load(String name, List<SD1Stages.ControlnetCondition> conditions) {
            int i = 0;
            while (!conditions.get(i).name().equals(name)) i++;
            String field = "controlnets[" + i + "].name";
            if (controlnets == null) WeightsDirectory.require(null, name, field, "ControlNet", null);
            return controlnets.load(name, field);
        }
    }

    /** ControlNet names, an IP-Adapter name (or null) and whether reference-only control is in: what makes a UNet's adapted copy. */
    private record AdapterSet(List<String> controlnets, String ipAdapter, boolean referenced) {}

    /** A UNet with its adapters injected, and its IP-Adapter (null: none). */
    private record Adapted(Chain model, SD1IPAdapter ipAdapter) {}

    /**
     * @param loras where LoRA sets come from (null: no LoRAs)
     * @param runner whose runtime configuration (device, threads, session cache) the model runs with
     */
    public LocalUNet(Chain model, CompileOptions options, LocalStages.LoraSource loras, Runner runner) {
        this(model, null, null, options, loras, runner);
    }

    /**
     * @param model the SD1UNet(4) requests without a mask use (null: only inpainting is served), or an SDXLUNet(4)
     *              (steps then take SDXL's text-time conditions; no inpainting, ControlNets, image prompts or reference)
     * @param inpaintingModel the SD1UNet(9) requests with a mask use (null: inpainting is refused)
     * @param controlnets where ControlNets come from (null: requests with ControlNets are refused)
     */
    public LocalUNet(Chain model, SD1UNet inpaintingModel, ControlnetSource controlnets, CompileOptions options,
                     LocalStages.LoraSource loras, Runner runner) {
        this(model, inpaintingModel, controlnets, null, options, loras, runner);
    }

    /** @param ipAdapters where IP-Adapters come from (null: requests with image prompts are refused) */
    public LocalUNet(Chain model, SD1UNet inpaintingModel, ControlnetSource controlnets, IpAdapterSource ipAdapters, CompileOptions options,
                     LocalStages.LoraSource loras, Runner runner) {
        if (model instanceof SD1UNet sd1 && sd1.inChannels() != 4) throw new IllegalArgumentException("the UNet must have 4 input channels, not " + sd1.inChannels());
        if (inpaintingModel != null && inpaintingModel.inChannels() != 9)
            throw new IllegalArgumentException("the inpainting UNet must have 9 input channels, not " + inpaintingModel.inChannels());
        if (model == null && inpaintingModel == null) throw new IllegalArgumentException("no UNet given");
        this.runner = runner;
        this.controlnets = controlnets;
        this.ipAdapters = ipAdapters;
        this.standard = model == null ? null : new Variant(model, options, loras);
        this.inpainting = inpaintingModel == null ? null : new Variant(inpaintingModel, options, loras);
    }

    /** Whether requests with a mask are served (an inpainting UNet was given). */
    public boolean servesInpainting() {
        return inpainting != null;
    }

    /** A text-to-image denoiser: conditioning, guidance and LoRA set fixed until it is closed. */
    public Generation open(Tensor conditional, Tensor unconditional, double guidanceScale, List<GenerationRequest.LoraWeight> loraSet) {
        return open(new SD1Stages.Conditioning(conditional, unconditional, guidanceScale, loraSet, null));
    }

    /** A denoiser for one generation: everything but each step's latents and timestep fixed until it is closed. */
    public Generation open(SD1Stages.Conditioning c) {
        Variant variant = c.inpainting() ? inpainting : standard;
        if (variant == null)
            throw new IllegalStateException(c.inpainting() ? "mask: inpainting needs an inpainting UNet, and none is loaded" : "this UNet stage only serves inpainting");
        if (c.referenced() && c.inpainting()) throw new IllegalArgumentException("reference-only control does not go with inpainting");
        boolean sd1 = variant.model instanceof SD1UNet;
        if (sd1 == (c.textTime() != null))
            throw new IllegalArgumentException(sd1 ? "SDXL's text-time conditions for a Stable Diffusion 1.x UNet" : "this SDXL UNet needs the text-time conditions (pooled embeddings, time ids)");
        if (!sd1 && (!c.controlnets().isEmpty() || c.imagePrompt() != null || c.referenced()))
            throw new IllegalArgumentException(!c.controlnets().isEmpty() ? "controlnets: not served for SDXL" : c.imagePrompt() != null
                    ? "ip_adapter: not served for SDXL" : "reference_image: not served for SDXL");
        return new Generation(variant, variant.with(c.controlnets(), c.imagePrompt() == null ? null : c.imagePrompt().adapter(), c.referenced()), c);
    }

    /**
     * What generations that share a UNet call have in common. A guidance-off generation (one sample) has a key of its
     * own ({@code alone}): ONNX Runtime's batch-1 kernels round differently from its larger batches (which agree with
     * each other), so its steps always run as a batch of 1, the same alone as among others. A generation with
     * reference-only control runs alone too: its adapter takes the call's batch as one [unconditional, conditional]
     * pair (refiners' layout: the guide pass's tokens join each sample's, the first sample is the unconditional one).
     */
    private record BatchKey(Variant variant, Chain model, List<Long> latentShape, List<LoraWeights> convolutionLoras, long imageTokens, Object alone) {}

    /** One generation's UNet: its conditions, prepared once; its steps run alone or in a batch (see {@link LocalUNet}). */
    public final class Generation implements SD1Stages.Denoiser {
        private final Variant variant;
        private final Chain model;
        private final SD1Stages.Conditioning conditioning;
        /** (2, 77, 768): unconditional then conditional, refiners' order; (1, 77, 768) without guidance. */
        private final Tensor embedding;
        /** SDXL: the pooled embeddings (samples, 1280) and time ids (samples, 6) in the embedding's order; else null. */
        private final Tensor pooled, timeIds;
        /** Per ControlNet name, its feeds for this generation's pair of samples, built once. */
        private final Map<String, ControlnetPair> controlnetPairs = new HashMap<>();
        /** With an IP-Adapter: the image-prompt tokens of each sample (samples, tokens, 768) and its scale, built once. */
        private final Tensor imageTokens;
        private final float[] imageScales;
        private final BatchKey key;

        private Generation(Variant variant, Adapted adapted, SD1Stages.Conditioning c) {
            this.variant = variant;
            this.model = adapted.model();
            this.conditioning = c;
            this.imageTokens = c.imagePrompt() == null ? null
                    : ImagePromptTokens.of(adapted.ipAdapter(), c.imagePrompt(), c.samples(), runner, variant.plainOptions);
            this.imageScales = new float[c.samples()];
            if (c.imagePrompt() != null) Arrays.fill(imageScales, (float) c.imagePrompt().scale());
            this.embedding = c.guided() ? Tensors.concat(List.of(c.unconditional(), c.conditional())) : c.conditional();
            SD1Stages.TextTimeConditions tt = c.textTime();
            this.pooled = tt == null ? null : c.guided() ? Tensors.concat(List.of(tt.pooledUnconditional(), tt.pooledConditional())) : tt.pooledConditional();
            this.timeIds = tt == null ? null : Tensors.concat(Collections.nCopies(c.samples(), tt.timeIds()));
            for (SD1Stages.ControlnetCondition cn : c.controlnets()) {
                Tensor factors = Controlnet.scales(cn.scale(), cn.scaleDecay());
                factors = factors.reshape(1, factors.numel());
                controlnetPairs.put(cn.name(), new ControlnetPair(Tensors.concat(Collections.nCopies(c.samples(), cn.condition())),
                        Tensors.concat(Collections.nCopies(c.samples(), factors))));
            }
            BatchedLoraSlots.Prepared loras = variant.loras.prepare(c.loras());
            List<Long> shape = c.latentShape() == null ? null : Arrays.stream(c.latentShape()).boxed().toList();
            this.key = new BatchKey(variant, model, shape, loras == null ? List.of() : loras.sharedWeights(),
                    imageTokens == null ? 0 : imageTokens.dim(1), c.guided() && !c.referenced() ? null : new Object());
        }

        /** The UNet stage this generation was opened on (its steps' batches run there). */
        public LocalUNet stage() {
            return LocalUNet.this;
        }

        /** UNet samples per step: 2 with guidance, 1 without. */
        public int samples() {
            return conditioning.samples();
        }

        /** Equal for generations whose steps may share a UNet call. */
        public Object batchKey() {
            return key;
        }

        @Override
        public Tensor guidedNoise(int stepIndex, double timestep, Tensor latents, Tensor reference) {
            return LocalUNet.this.guidedNoise(List.of(new Step(this, timestep, latents, reference))).get(0);
        }

        @Override
        public void close() {
            // nothing held per generation: ControlNet sets and prepared LoRA sets stay for the next ones
        }
    }

    /** A ControlNet's condition (S, 3, 8h, 8w) and residual scales (S, 13) for a generation's S samples. */
    private record ControlnetPair(Tensor condition, Tensor scales) {}

    /**
     * One generation's step: its model input (1, 4, h, w) at {@code timestep}; with reference-only control, the
     * reference latents noised to the step (2, 4, h, w), else null.
     */
    public record Step(Generation generation, double timestep, Tensor latents, Tensor reference) {
        public Step(Generation generation, double timestep, Tensor latents) {
            this(generation, timestep, latents, null);
        }
    }

    /**
     * The guided noise of several generations' steps in one UNet call (2 samples per generation, 1 with guidance off), in their order. All
     * must have the same {@link Generation#batchKey}; each result is the one the step gets alone, bit for bit.
     */
    public List<Tensor> guidedNoise(List<Step> steps) {
        if (steps.isEmpty()) return List.of();
        Generation first = steps.get(0).generation();
        long[] shape = steps.get(0).latents().shape();
        for (Step s : steps) {
            if (!s.generation().key.equals(first.key)) throw new IllegalArgumentException("generations with different batch keys cannot share a UNet call");
            long[] opened = s.generation().conditioning.latentShape();
            if (!Arrays.equals(s.latents().shape(), shape) || opened != null && !Arrays.equals(opened, shape))
                throw new IllegalArgumentException("latents " + Arrays.toString(s.latents().shape()) + " in a batch of " + Arrays.toString(shape)
                        + (opened == null ? "" : ", opened for " + Arrays.toString(opened)));
            checkReference(s, shape);
        }
        int n = steps.size();
        int samples = 0;
        for (Step s : steps) samples += s.generation().samples();
        List<Tensor> inputs = new ArrayList<>(samples), embeddings = new ArrayList<>(n), pooled = new ArrayList<>(n), timeIds = new ArrayList<>(n);
        float[] timesteps = new float[samples];
        List<List<GenerationRequest.LoraWeight>> distinct = new ArrayList<>();
        for (Step s : steps) if (!distinct.contains(s.generation().conditioning.loras())) distinct.add(s.generation().conditioning.loras());
        distinct.sort(Comparator.comparing(Object::toString)); // a composition's feeds are cached whatever the order of its steps
        long[] setIndex = new long[samples];
        int[] offsets = new int[n];
        for (int i = 0, offset = 0; i < n; offset += steps.get(i).generation().samples(), i++) {
            Step s = steps.get(i);
            SD1Stages.Conditioning c = s.generation().conditioning;
            Tensor input = c.inpainting() ? StableDiffusion_1_Inpainting.concat(s.latents(), c.maskLatents(), c.targetLatents()) : s.latents();
            offsets[i] = offset;
            for (int k = offset; k < offset + c.samples(); k++) {
                inputs.add(input);
                timesteps[k] = (float) s.timestep();
                setIndex[k] = distinct.indexOf(c.loras());
            }
            embeddings.add(s.generation().embedding);
            if (s.generation().pooled != null) {
                pooled.add(s.generation().pooled);
                timeIds.add(s.generation().timeIds);
            }
        }
        // no LoRA in the call, no adapter: the slot-free graph (see Variant.slotFree)
        Variant v = first.variant;
        boolean slotFree = v.slotFree != null && first.model == v.model && distinct.size() == 1 && distinct.get(0).isEmpty();
        Map<String, Map<String, Object>> ctx = slotFree ? new HashMap<>() : new HashMap<>(v.loras.feeds(distinct, setIndex));
        ctx.put(CrossAttentionBlock.CONTEXT, Map.of("clip_text_embedding", Tensors.concat(embeddings)));
        Tensor timestep = Tensor.ofFloats(new long[] {samples}, timesteps);
        ctx.put("diffusion", pooled.isEmpty() ? Map.of("timestep", timestep)
                : Map.of("timestep", timestep, "pooled_text_embedding", Tensors.concat(pooled), "time_ids", Tensors.concat(timeIds)));
        if (!first.conditioning.controlnets().isEmpty()) ctx.put(Controlnet.CONTEXT, controlnetFeeds(steps));
        if (first.imageTokens != null) ctx.put(IPAdapter.context(), imagePromptFeeds(steps, samples));
        if (first.conditioning.referenced()) {
            if (n > 1) throw new IllegalArgumentException("a reference-only step runs alone (see BatchKey), got " + n + " steps");
            ctx.put(SelfAttentionInjectionPassthrough.CONTEXT, ReferenceOnlyControlAdapter.context(steps.get(0).reference(), first.conditioning.referenceStyleCfg()));
        }
        Tensor prediction = slotFree ? runner.run(v.slotFree, v.plainOptions, List.of(Tensors.concat(inputs)), ctx).output()
                : runner.run(first.model, v.options, List.of(Tensors.concat(inputs)), ctx).output();
        List<Tensor> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SD1Stages.Conditioning c = steps.get(i).generation().conditioning;
            out.add(c.guided() ? ClassifierFreeGuidance.combine(Tensors.narrow(prediction, offsets[i], 2), c.guidanceScale())
                    : Tensors.narrow(prediction, offsets[i], 1));
        }
        return out;
    }

    /** A reference-only step comes with its noised reference (2, 4, h, w), any other without one. */
    private static void checkReference(Step s, long[] shape) {
        boolean referenced = s.generation().conditioning.referenced();
        if (!referenced && s.reference() != null) throw new IllegalArgumentException("a reference for a generation opened without reference-only control");
        if (!referenced) return;
        long[] expected = {2, shape[1], shape[2], shape[3]};
        if (s.reference() == null || !Arrays.equals(s.reference().shape(), expected))
            throw new IllegalArgumentException("reference-only control needs the step's noised reference latents " + Arrays.toString(expected)
                    + ", got " + (s.reference() == null ? "none" : Arrays.toString(s.reference().shape())));
    }

    /** Per ControlNet of the set: each sample's condition (B, 3, 8h, 8w) and its 13 residual scales (B, 13). */
    private static Map<String, Object> controlnetFeeds(List<Step> steps) {
        Map<String, Object> feeds = new HashMap<>();
        for (SD1Stages.ControlnetCondition named : steps.get(0).generation().conditioning.controlnets()) {
            List<Tensor> conditions = new ArrayList<>(), scales = new ArrayList<>();
            for (Step s : steps) {
                ControlnetPair pair = s.generation().controlnetPairs.get(named.name());
                conditions.add(pair.condition());
                scales.add(pair.scales());
            }
            feeds.put(Controlnet.conditionKey(named.name()), Tensors.concat(conditions));
            feeds.put(Controlnet.scalesKey(named.name()), Tensors.concat(scales));
        }
        return feeds;
    }

    /** Each sample's image-prompt tokens (B, tokens, 768) and IP-Adapter scale. */
    private static Map<String, Object> imagePromptFeeds(List<Step> steps, int samples) {
        List<Tensor> tokens = new ArrayList<>();
        float[] scales = new float[samples];
        int k = 0;
        for (Step s : steps) {
            tokens.add(s.generation().imageTokens);
            for (float f : s.generation().imageScales) scales[k++] = f;
        }
        return IPAdapter.perSampleContext(Tensors.concat(tokens), scales);
    }

    /** Forgets prepared LoRA sets (after a LoRA file was unloaded or replaced). */
    public void clearLoraCache() {
        for (Variant v : new Variant[] {standard, inpainting}) if (v != null) v.loras.clear();
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import refiners.fluxion.Tensor;

/**
 * The three model stages of a generation. {@link StableDiffusion_1} runs the same loop over an in-process
 * implementation or over the mesh's services, which is why both give the same pixels.
 */
public interface SD1Stages {
    /** CLIP embeddings of the prompts, (N, 77, 768) float32, computed in one batch, the LoRAs' text-encoder part applied. */
    Tensor encodeText(List<String> prompts, List<GenerationRequest.LoraWeight> loras);

    /**
     * SDXL's text encoding: the joined embeddings (N, 77, 2048) and the pooled embeddings (N, 1280), in one batch.
     * Stages of SD 1.x refuse (IllegalStateException).
     */
    default List<Tensor> encodeTextWithPooling(List<String> prompts, List<GenerationRequest.LoraWeight> loras) {
        throw new IllegalStateException("model: these stages serve Stable Diffusion 1.x, not SDXL");
    }

    /**
     * CLIP ViT-H/14 features of image prompts, (H, W, 3) uint8 each, computed in one batch. Stages without an image
     * encoder refuse (IllegalStateException).
     */
    ImageFeatures encodeImages(List<Tensor> images);

    /** Opens the UNet for one generation: everything its steps need is given here and fixed until it is closed. */
    Denoiser openDenoiser(Conditioning conditioning);

    /** An image (1, 3, H, W) in [-1, 1] to scaled latents (1, 4, H/8, W/8). */
    Tensor encode(Tensor image);

    /** Latents (1, 4, h, w) to an image (1, 3, 8h, 8w) in [-1, 1] (not clamped). */
    Tensor decode(Tensor latents);

    /**
     * What every step of one generation's UNet needs besides its latents and timestep (the mesh sends it once per
     * stream, and again to resume on another replica).
     *
     * @param conditional the prompt's embedding (1, 77, 768)
     * @param unconditional the negative prompt's (1, 77, 768); with guidance off (scale <= 1) unused, may be null
     * @param latentShape (1, 4, h, w)
     * @param maskLatents inpainting: the mask at latent size (1, 1, h, w), or null (then targetLatents is null too)
     * @param targetLatents inpainting: the latents of the masked image (1, 4, h, w)
     * @param referenceStyleCfg reference-only control's style_cfg (each step then comes with its noised reference
     *                          latents, see {@link Denoiser}), or null without a reference image
     * @param textTime SDXL's added conditions (pooled embeddings, time ids), null for SD 1.x
     */
    record Conditioning(Tensor conditional, Tensor unconditional, double guidanceScale, List<GenerationRequest.LoraWeight> loras,
                        long[] latentShape, Tensor maskLatents, Tensor targetLatents, List<ControlnetCondition> controlnets,
                        ImagePrompt imagePrompt, Double referenceStyleCfg, TextTimeConditions textTime) {
        public Conditioning(Tensor conditional, Tensor unconditional, double guidanceScale, List<GenerationRequest.LoraWeight> loras,
                            long[] latentShape, Tensor maskLatents, Tensor targetLatents, List<ControlnetCondition> controlnets,
                            ImagePrompt imagePrompt, Double referenceStyleCfg) {
            this(conditional, unconditional, guidanceScale, loras, latentShape, maskLatents, targetLatents, controlnets, imagePrompt, referenceStyleCfg, null);
        }

        public Conditioning(Tensor conditional, Tensor unconditional, double guidanceScale, List<GenerationRequest.LoraWeight> loras,
                            long[] latentShape, Tensor maskLatents, Tensor targetLatents, List<ControlnetCondition> controlnets,
                            ImagePrompt imagePrompt) {
            this(conditional, unconditional, guidanceScale, loras, latentShape, maskLatents, targetLatents, controlnets, imagePrompt, null);
        }

        public Conditioning(Tensor conditional, Tensor unconditional, double guidanceScale, List<GenerationRequest.LoraWeight> loras,
                            long[] latentShape, Tensor maskLatents, Tensor targetLatents, List<ControlnetCondition> controlnets) {
            this(conditional, unconditional, guidanceScale, loras, latentShape, maskLatents, targetLatents, controlnets, null);
        }

        public Conditioning {
            loras = List.copyOf(loras);
            controlnets = List.copyOf(controlnets);
            if ((maskLatents == null) != (targetLatents == null)) throw new IllegalArgumentException("inpainting needs both the mask and the target latents");
            if (guidanceScale > GenerationRequest.GUIDANCE_OFF && unconditional == null) throw new IllegalArgumentException("guidance needs the unconditional embedding");
            // the reference pass's batch layout is refiners': exactly [unconditional, conditional]
            if (referenceStyleCfg != null && guidanceScale <= GenerationRequest.GUIDANCE_OFF) throw new IllegalArgumentException("reference-only control needs guidance");
            if (textTime != null && guidanceScale > GenerationRequest.GUIDANCE_OFF && textTime.pooledUnconditional() == null)
                throw new IllegalArgumentException("guidance needs the unconditional pooled embedding");
        }

        /** Whether each step runs reference-only control's guide pass (its noised reference latents come with the step). */
        public boolean referenced() {
            return referenceStyleCfg != null;
        }

        /** Whether the UNet runs the unconditional branch too (classifier-free guidance); else one sample, the conditional. */
        public boolean guided() {
            return guidanceScale > GenerationRequest.GUIDANCE_OFF;
        }

        /** UNet samples per step: 2 with guidance (unconditional, conditional), else 1. */
        public int samples() {
            return guided() ? 2 : 1;
        }

        /** Text to image: no inpainting, no ControlNet. */
        public Conditioning(Tensor conditional, Tensor unconditional, double guidanceScale, List<GenerationRequest.LoraWeight> loras, long[] latentShape) {
            this(conditional, unconditional, guidanceScale, loras, latentShape, null, null, List.of());
        }

        public boolean inpainting() {
            return maskLatents != null;
        }
    }

    /**
     * SDXL's added conditions, read by its TextTimeEmbedding: the prompt's pooled embedding (1, 1280), the negative
     * prompt's (null without guidance), and the time ids (1, 6) int64: original height and width, crop top and left,
     * target height and width.
     */
    record TextTimeConditions(Tensor pooledConditional, Tensor pooledUnconditional, Tensor timeIds) {}

    /**
     * The image encoder's features of N images: embeddings (N, 1024), penultimate hidden states (N, 257, 1280), and
     * the hidden states of an all-zero input (1, 257, 1280), IP-Adapter Plus' negative.
     */
    record ImageFeatures(Tensor embeddings, Tensor hiddenStates, Tensor zeroHiddenStates) {
        public int images() {
            return (int) embeddings.dim(0);
        }
    }

    /**
     * An IP-Adapter by name (plain or Plus, as its weights say) at {@code scale}, and its images' features with their
     * weights (refiners' compute_clip_image_embedding: each image's conditional tokens times its weight).
     */
    record ImagePrompt(String adapter, double scale, List<Double> weights, ImageFeatures features) {
        public ImagePrompt {
            weights = List.copyOf(weights);
            if (weights.size() != features.images()) throw new IllegalArgumentException(weights.size() + " weights for " + features.images() + " images");
        }
    }

    /** A ControlNet by name, its condition image (1, 3, 8h, 8w) in [0, 1], its scale and scale decay. */
    record ControlnetCondition(String name, Tensor condition, double scale, double scaleDecay) {}

    /** One generation's UNet. */
    interface Denoiser extends AutoCloseable {
        /** uncond + guidance * (cond - uncond) (without guidance: cond) for the model input of step {@code stepIndex} at {@code timestep}. */
        default Tensor guidedNoise(int stepIndex, double timestep, Tensor latents) {
            return guidedNoise(stepIndex, timestep, latents, null);
        }

        /**
         * The same with reference-only control: {@code reference} is the reference latents noised to this step
         * (2, 4, h, w), null for a generation without a reference image.
         */
        Tensor guidedNoise(int stepIndex, double timestep, Tensor latents, Tensor reference);

        @Override
        void close();
    }
}

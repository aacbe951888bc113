package refiners.mesh.unet;

import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseImagePrompt;

/** A Start's image prompt checked: the adapter's name and file, its scale, one weight per image, the features' shapes. */
final class ImagePromptStart {
    private ImagePromptStart() {}

    static SD1Stages.ImagePrompt parse(DenoiseImagePrompt p, UNetIpAdapters ipAdapters) {
        ipAdapters.require(p.getAdapter(), "ip_adapter");
        checkScale("start.image_prompt.scale", p.getScale());
        int n = p.getWeightsCount();
        if (n < 1 || n > GenerationRequest.MAX_IMAGE_PROMPTS)
            throw WireTensors.invalid("start.image_prompt.weights", "one weight per image, 1 to " + GenerationRequest.MAX_IMAGE_PROMPTS + " images, got " + n);
        for (int i = 0; i < n; i++) checkScale("start.image_prompt.weights[" + i + "]", p.getWeights(i));
        Tensor embeddings = features(p.getImageEmbeddings(), "start.image_prompt.image_embeddings", n, 1024);
        Tensor hidden = features(p.getHiddenStates(), "start.image_prompt.hidden_states", n, 257, 1280);
        Tensor zero = features(p.getZeroHiddenStates(), "start.image_prompt.zero_hidden_states", 1, 257, 1280);
        return new SD1Stages.ImagePrompt(p.getAdapter(), p.getScale(), List.copyOf(p.getWeightsList()), new SD1Stages.ImageFeatures(embeddings, hidden, zero));
    }

    private static Tensor features(refiners.proto.common.v1.Tensor t, String field, long... shape) {
        return WireTensors.expect(WireTensors.fromMessage(t, field), field, DType.F32, shape);
    }

    private static void checkScale(String field, double v) {
        if (!Double.isFinite(v) || v < 0 || v > GenerationRequest.MAX_IMAGE_PROMPT_SCALE)
            throw WireTensors.invalid(field, "must be in 0.." + (int) GenerationRequest.MAX_IMAGE_PROMPT_SCALE + ", got " + v);
    }
}

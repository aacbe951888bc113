package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.runtime.Runner;

/**
 * One generation's image-prompt tokens, as refiners' IPAdapter.compute_clip_image_embedding makes them: the adapter's
 * projection of the images' features (plain: the embeddings; Plus: the penultimate hidden states) and of the negative
 * ones (plain: zeros; Plus: the zero input's hidden states), in one call; each image's conditional tokens times its
 * weight; several images' tokens side by side. Per UNet sample: (negative, conditional) with guidance, else conditional.
 */
final class ImagePromptTokens {
    private ImagePromptTokens() {}

    /** (samples, images * tokens, 768) for a generation of {@code samples} UNet samples (2: guided). */
    static Tensor of(SD1IPAdapter adapter, SD1Stages.ImagePrompt prompt, int samples, Runner runner, CompileOptions options) {
        SD1Stages.ImageFeatures f = prompt.features();
        int n = f.images();
        Tensor conditional = adapter.fineGrained() ? f.hiddenStates() : f.embeddings();
        Tensor negative = adapter.fineGrained() ? Tensors.concat(Collections.nCopies(n, f.zeroHiddenStates()))
                : Tensor.zeros(DType.F32, conditional.shape());
        Tensor projected = runner.run(adapter.imageProj(), options, List.of(Tensors.concat(List.of(negative, conditional)))).output().to(DType.F32);
        Tensor negativeTokens = sideBySide(Tensors.narrow(projected, 0, n));
        Tensor conditionalTokens = sideBySide(weighted(Tensors.narrow(projected, n, n), prompt.weights()));
        return samples == 2 ? Tensors.concat(List.of(negativeTokens, conditionalTokens)) : conditionalTokens;
    }

    /** Each image's tokens times its weight (untouched when all weights are 1, as refiners). */
    private static Tensor weighted(Tensor tokens, List<Double> weights) {
        if (weights.stream().allMatch(w -> w == 1.0)) return tokens;
        float[] v = tokens.toFloatArray();
        int per = v.length / weights.size();
        for (int i = 0; i < v.length; i++) v[i] = v[i] * (float) (double) weights.get(i / per);
        return Tensor.ofFloats(tokens.shape(), v);
    }

    /** (N, T, D) to (1, N * T, D): the images' tokens one after the other. */
    private static Tensor sideBySide(Tensor tokens) {
        long n = tokens.dim(0);
        if (n == 1) return tokens;
        List<Tensor> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) rows.add(Tensors.narrow(tokens, i, 1));
        return Tensors.concat(rows, 1);
    }
}

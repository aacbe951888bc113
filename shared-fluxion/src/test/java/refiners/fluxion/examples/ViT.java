package refiners.fluxion.examples;

import refiners.fluxion.layers.Attention;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.layers.GeLU;
import refiners.fluxion.layers.Identity;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.Parallel;
import refiners.fluxion.layers.Parameter;
import refiners.fluxion.layers.Reshape;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.UseContext;

/**
 * The toy ViT of refiners' README ("The Chain class"), declared in Java, quirks included: a plain reshape of the
 * patch grid, a learned position embedding added through a Residual, and per layer a residual MLP followed by a
 * second, non-residual MLP. With crossAttention, keys and values come from the "cross_attention" context.
 */
public class ViT extends Chain {
    public ViT(int embeddingDim, int patchSize, int imageSize, int numLayers, int numHeads, boolean crossAttention) {
        super(new Conv2d(3, embeddingDim, patchSize, patchSize, 0),
                new Reshape((long) (imageSize / patchSize) * (imageSize / patchSize), embeddingDim),
                new Residual(new Parameter((long) (imageSize / patchSize) * (imageSize / patchSize), embeddingDim)));
        for (int i = 0; i < numLayers; i++) append(transformerLayer(embeddingDim, numHeads, crossAttention));
        append(new Reshape(embeddingDim, imageSize / patchSize, imageSize / patchSize));
    }

    private static Chain transformerLayer(int d, int numHeads, boolean crossAttention) {
        Module keysAndValues = crossAttention
                ? new Parallel(new Identity(), new UseContext("cross_attention", "my_embed"), new UseContext("cross_attention", "my_embed"))
                : new Parallel(new Identity(), new Identity(), new Identity());
        return new Chain(
                new LayerNorm(d),
                new Residual(keysAndValues, new Attention(d, numHeads)),
                new LayerNorm(d),
                new Residual(new Linear(d, 4 * d), new GeLU(), new Linear(4 * d, d)),
                new Chain(new Linear(d, 4 * d), new GeLU(), new Linear(4 * d, d)));
    }
}

package refiners.foundationals.clip.image;

import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Lambda;
import refiners.fluxion.layers.LayerNorm;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;

/**
 * CLIP's image encoder (arXiv:2103.00020): patch and position embeddings, a pre-LayerNorm, the transformer layers,
 * the class token pooled, normalised and projected: (B, 3, S, S) normalised images to (B, output_dim) embeddings.
 */
public class CLIPImageEncoder extends Chain {
    public CLIPImageEncoder(int imageSize, int embeddingDim, int outputDim, int patchSize, int numLayers,
                            int numAttentionHeads, int feedforwardDim, double layerNormEps) {
        super(new ViTEmbeddings(imageSize, embeddingDim, patchSize),
                new LayerNorm(embeddingDim, layerNormEps),
                new Chain(layers(numLayers, embeddingDim, feedforwardDim, numAttentionHeads, layerNormEps)),
                Lambda.of("<lambda>(x)", x -> x.slice(1, 0, 1, 1).squeeze(1)), // the class token
                new LayerNorm(embeddingDim, layerNormEps),
                new Linear(embeddingDim, outputDim, false));
    }

    private static List<Module> layers(int n, int embeddingDim, int feedforwardDim, int heads, double eps) {
        List<Module> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new TransformerLayer(embeddingDim, feedforwardDim, heads, eps));
        return out;
    }

    /**
     * A copy sharing the weights that answers the penultimate layer's hidden states (B, 1 + P, D), every token: the
     * pooling, final norm, projection and last transformer layer removed (refiners' {@code convert_to_grid_features},
     * what IP-Adapter Plus consumes).
     */
    public Chain gridFeatures() {
        Chain grid = structuralCopy();
        if (!(grid.get(grid.size() - 1) instanceof Linear) || !(grid.get(grid.size() - 2) instanceof LayerNorm)
                || !(grid.get(grid.size() - 3) instanceof Lambda))
            throw new IllegalStateException("not a CLIP image encoder's head: " + grid.childNames());
        for (int i = 0; i < 3; i++) grid.pop();
        ((Chain) grid.get(grid.size() - 1)).pop();
        return grid;
    }
}

package refiners.fluxion.compile;

import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Module;

/**
 * An inner layer whose output a run returns too (for debugging and parity checks). It is named by its path under the
 * compiled root, as in state-dict keys ("Chain_1.Residual_1"), or given as the layer itself, which is resolved to its
 * path when compiling: sessions and results are keyed by the path, never by object identity.
 */
public record Tap(String path, Module layer) {
    public Tap {
        if (path == null && layer == null) throw new IllegalArgumentException("a tap needs a path or a layer");
    }

    /** The layer at {@code path} under the compiled root. */
    public static Tap at(String path) {
        return new Tap(path, null);
    }

    /** This layer, wherever it sits under the compiled root. */
    public static Tap of(Module layer) {
        return new Tap(null, layer);
    }

    /** This tap with its path under {@code root} filled in (a layer not under root, or at two places, is an error). */
    public Tap resolve(Module root) {
        if (path != null) return this;
        if (layer == root) return new Tap("", layer);
        if (!(root instanceof Chain chain)) throw new CompileException("tapped layer " + layer.className() + " is not part of the compiled model");
        try {
            return new Tap(chain.pathOf(layer), layer);
        } catch (IllegalArgumentException e) {
            throw new CompileException("tapped layer: " + e.getMessage());
        }
    }
}

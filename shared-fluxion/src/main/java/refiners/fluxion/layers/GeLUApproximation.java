package refiners.fluxion.layers;

/** How GeLU is computed: exactly (erf), with tanh, or with sigmoid(1.702 x) ("quick GeLU", used by CLIP). */
public enum GeLUApproximation {
    NONE,
    TANH,
    SIGMOID
}

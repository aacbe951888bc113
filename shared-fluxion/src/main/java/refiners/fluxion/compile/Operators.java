package refiners.fluxion.compile;

/**
 * Which operators a compiled graph may use. {@link #ONNX_RUNTIME} (the default) lets layers lower to ONNX Runtime's
 * own fused kernels where they are faster (com.microsoft MultiHeadAttention; com.microsoft.nchwc
 * convolutions when a Runner provides blocked weights); {@link #STANDARD} keeps to the ONNX standard opset, for other
 * runtimes and for graph transformations that only know standard ops (e.g. differentiation for training).
 */
public enum Operators {
    STANDARD,
    ONNX_RUNTIME
}

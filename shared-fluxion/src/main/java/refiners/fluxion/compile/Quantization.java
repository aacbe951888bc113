package refiners.fluxion.compile;

/**
 * Whether matrix products run in fewer bits (CPU only): NONE, or INT8 — Linear and Conv2d weights quantized per
 * output channel to int8 with float scales (mapped from Int8WeightsFile's file when there is one), activations
 * quantized per call (see Int8). Opt-in: not yet validated on real weights.
 */
public enum Quantization { NONE, INT8 }

package refiners.foundationals.latent_diffusion.solvers;

/** What the denoising model predicts: the noise (epsilon) or the denoised sample (x0). */
public enum ModelPredictionType {
    NOISE("noise"),
    SAMPLE("sample");

    /** refiners' enum value. */
    public final String value;

    ModelPredictionType(String value) {
        this.value = value;
    }

    public static ModelPredictionType fromValue(String value) {
        for (ModelPredictionType t : values()) if (t.value.equals(value)) return t;
        throw new IllegalArgumentException("unknown model prediction type: " + value);
    }
}

package refiners.mesh.orchestrator;

import refiners.fluxion.Tensor;
import refiners.fluxion.utils.Images;

/** A rough look at the latents for progress previews: their first three channels, scaled, as a small PNG. */
final class LatentPreview {
    private LatentPreview() {}

    static byte[] png(Tensor latents) {
        int h = (int) latents.dim(2), w = (int) latents.dim(3);
        float[] x = latents.toFloatArray();
        float[] rgb = new float[3 * h * w];
        for (int i = 0; i < rgb.length; i++) rgb[i] = x[i] / 4f; // latents are roughly N(0, 4^2) at the start
        return Images.toPng(Tensor.ofFloats(new long[] {1, 3, h, w}, rgb));
    }
}

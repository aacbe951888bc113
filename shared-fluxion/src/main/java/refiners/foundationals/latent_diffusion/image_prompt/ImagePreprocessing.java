package refiners.foundationals.latent_diffusion.image_prompt;

import refiners.fluxion.Tensor;
import refiners.fluxion.utils.BicubicResize;
import refiners.fluxion.utils.Images;

/**
 * What the CLIP image encoder takes, as refiners' {@code IPAdapter.preprocess_image}: PIL's bicubic resize to the
 * size whatever the aspect (no crop), image_to_tensor (pixel / 255 in float32), then normalised with OpenAI CLIP's per-channel mean and standard deviation.
 */
public final class ImagePreprocessing {
    /** OpenAI CLIP's RGB mean and standard deviation. */
    static final double[] MEAN = {0.48145466, 0.4578275, 0.40821073}, STD = {0.26862954, 0.26130258, 0.27577711};
    public static final int DEFAULT_SIZE = 224;

    private ImagePreprocessing() {}

    /** (H, W, 3) uint8 RGB to the normalised (1, 3, 224, 224) encoder input. */
    public static Tensor preprocess(Tensor rgb) {
        return preprocess(rgb, DEFAULT_SIZE, DEFAULT_SIZE);
    }

    /** (H, W, 3) uint8 RGB to the normalised (1, 3, height, width) encoder input. */
    public static Tensor preprocess(Tensor rgb, int width, int height) {
        long[] s = rgb.shape();
        if (s.length != 3 || s[2] != 3) throw new IllegalArgumentException("an image prompt must be (H, W, 3) RGB, got " + java.util.Arrays.toString(s));
        if (s[0] != height || s[1] != width) rgb = BicubicResize.resize(rgb, width, height);
        Tensor x = Images.imageToTensor(rgb);
        float[] v = x.toFloatArray();
        int plane = width * height;
        for (int c = 0; c < 3; c++)
            for (int i = c * plane; i < (c + 1) * plane; i++) v[i] = (float) ((v[i] - MEAN[c]) / STD[c]);
        return Tensor.ofFloats(x.shape(), v);
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.utils.Images;

/**
 * Stable Diffusion 1.x inpainting, as refiners' StableDiffusion_1_Inpainting: an SD1UNet with 9 input channels gets
 * the latents, the mask at latent size and the latents of the masked image, concatenated before the classifier-free
 * guidance batch (both halves share them). {@link StableDiffusion_1#generate} runs it when a request has a mask; the
 * concatenation happens in the UNet stage (LocalUNet), so every step of the mesh carries only the 4 latent channels.
 *
 * <p>As in diffusers, the solver scales only the latent channels (refiners scales all 9 in scale_model_input, which
 * only Euler does not leave as they are).
 */
public final class StableDiffusion_1_Inpainting {
    private StableDiffusion_1_Inpainting() {}

    /** What set_inpainting_conditions computes: mask_latents (1, 1, h, w) and target_image_latents (1, 4, h, w). */
    public record Conditions(Tensor maskLatents, Tensor targetImageLatents) {}

    /**
     * refiners' set_inpainting_conditions: the mask (H, W) U8 thresholded (pixel / 255 > 0.5), interpolated to the
     * latent size (torch's nearest), and the target image (H, W, 3) U8 as 2 * pixel / 255 - 1, masked (x (1 - mask))
     * and encoded.
     */
    public static Conditions conditions(SD1Stages stages, Tensor targetImage, Tensor mask, long[] latentShape) {
        int height = (int) mask.dim(0), width = (int) mask.dim(1);
        float[] m = maskTensor(mask);
        Tensor image = Images.autoencoderInput(targetImage);
        if (image.dim(2) != height || image.dim(3) != width) throw new IllegalArgumentException("the mask is " + width + "x" + height + ", the image " + image.dim(3) + "x" + image.dim(2));
        float[] x = image.toFloatArray();
        int plane = height * width;
        for (int i = 0; i < x.length; i++) x[i] = x[i] * (1 - m[i % plane]);
        Tensor target = stages.encode(Tensor.ofFloats(image.shape(), x));
        return new Conditions(nearest(m, height, width, (int) latentShape[2], (int) latentShape[3]), target);
    }

    /** forward's cat((x, mask_latents, target_image_latents), dim=1): the 9-channel UNet input of latents x (1, 4, h, w). */
    public static Tensor concat(Tensor x, Tensor maskLatents, Tensor targetImageLatents) {
        return Tensors.concat(List.of(x, maskLatents, targetImageLatents), 1);
    }

    /** (mask / 255 > 0.5) as 0 / 1 floats, row-major (H, W). */
    private static float[] maskTensor(Tensor mask) {
        long[] v = mask.toLongArray();
        float[] m = new float[v.length];
        for (int i = 0; i < v.length; i++) m[i] = v[i] / 255f > 0.5f ? 1f : 0f;
        return m;
    }

    /** torch's interpolate(mode="nearest") to (h, w): source index floor(dst * (in / out)) computed in float32, clamped. */
    private static Tensor nearest(float[] m, int height, int width, int h, int w) {
        float sy = (float) height / h, sx = (float) width / w;
        float[] out = new float[h * w];
        for (int y = 0; y < h; y++) {
            int iy = Math.min((int) Math.floor(y * sy), height - 1);
            for (int x = 0; x < w; x++) out[y * w + x] = m[iy * width + Math.min((int) Math.floor(x * sx), width - 1)];
        }
        return Tensor.ofFloats(new long[] {1, 1, h, w}, out);
    }
}

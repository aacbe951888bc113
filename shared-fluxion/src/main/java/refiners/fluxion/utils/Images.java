package refiners.fluxion.utils;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import refiners.fluxion.Tensor;

/**
 * RGB images to and from (1, 3, H, W) float tensors in [-1, 1], with refiners' conventions: pixels = (x + 1) / 2,
 * clamped to [0, 1], times 255, truncated to uint8; the other way, x = 2 * pixel / 255 - 1.
 */
public final class Images {
    private Images() {}

    public static BufferedImage toImage(Tensor image) {
        long[] s = image.shape();
        if (s.length != 4 || s[0] != 1 || s[1] != 3) throw new IllegalArgumentException("expected a (1, 3, H, W) image tensor, got " + java.util.Arrays.toString(s));
        int h = (int) s[2], w = (int) s[3];
        float[] x = image.toFloatArray();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int i = 0; i < plane; i++) {
            int r = pixel(x[i]), g = pixel(x[plane + i]), b = pixel(x[2 * plane + i]);
            img.setRGB(i % w, i / w, (r << 16) | (g << 8) | b);
        }
        return img;
    }

    private static int pixel(float v) {
        double p = Math.min(1.0, Math.max(0.0, (v + 1.0) / 2.0));
        return (int) (p * 255); // truncation, as numpy's astype(uint8)
    }

    public static Tensor fromImage(BufferedImage img) {
        int h = img.getHeight(), w = img.getWidth(), plane = h * w;
        float[] x = new float[3 * plane];
        for (int y = 0; y < h; y++) {
            for (int c = 0; c < w; c++) {
                int rgb = img.getRGB(c, y), i = y * w + c;
                x[i] = 2 * ((rgb >> 16) & 0xff) / 255f - 1;
                x[plane + i] = 2 * ((rgb >> 8) & 0xff) / 255f - 1;
                x[2 * plane + i] = 2 * (rgb & 0xff) / 255f - 1;
            }
        }
        return Tensor.ofFloats(new long[] {1, 3, h, w}, x);
    }

    public static byte[] toPng(Tensor image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(toImage(image), "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Decodes a PNG/JPEG; a malformed image is an IllegalArgumentException. */
    public static Tensor fromEncoded(byte[] data) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(data));
            if (img == null) throw new IllegalArgumentException("not a readable image (PNG or JPEG expected)");
            return fromImage(img);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable image: " + e.getMessage(), e);
        }
    }
}

package refiners.fluxion.utils;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
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

    /** The largest image {@link #fromEncoded(byte[])} decodes: 2048 x 2048, the mesh's largest size. */
    public static final long DEFAULT_MAX_PIXELS = 2048L * 2048;

    /** {@link #fromEncoded(byte[], long)} within {@link #DEFAULT_MAX_PIXELS}. */
    public static Tensor fromEncoded(byte[] data) {
        return fromEncoded(data, DEFAULT_MAX_PIXELS);
    }

    /**
     * Decodes a PNG or JPEG of at most {@code maxPixels} pixels. The size the file declares is read from its header
     * and checked before any pixel is decoded, so a small file declaring a huge image (a decompression bomb) costs
     * nothing; a malformed, oversized or other-format image is an IllegalArgumentException saying why. Decoding
     * stays in memory (no ImageIO cache file).
     */
    public static Tensor fromEncoded(byte[] data, long maxPixels) {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            ImageReader reader = readers.hasNext() ? readers.next() : null;
            String format = reader == null ? "" : reader.getFormatName().toLowerCase(Locale.ROOT);
            if (!format.equals("png") && !format.equals("jpeg"))
                throw new IllegalArgumentException("not a PNG or JPEG image" + (format.isEmpty() ? "" : " (" + format + ")"));
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w < 1 || h < 1 || w * h > maxPixels)
                    throw new IllegalArgumentException("the image declares " + w + "x" + h + " pixels, more than the " + maxPixels + "-pixel limit (refused before decoding)");
                return fromImage(reader.read(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException) throw (IllegalArgumentException) e;
            throw new IllegalArgumentException("unreadable image: " + e.getMessage(), e);
        }
    }
}

package refiners.fluxion.utils;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
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
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;

/**
 * Images in and out, with refiners' conventions. Decoded images are 8-bit tensors as refiners' PIL/numpy arrays hold
 * them: (H, W, 3) RGB or (H, W) L, U8. {@link #imageToTensor} is refiners' image_to_tensor (pixel / 255 as
 * (1, C, H, W) float32); generated images (1, 3, H, W) in [-1, 1] become pixels as (x + 1) / 2, clamped to [0, 1],
 * times 255, truncated to uint8.
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

    public static byte[] toPng(Tensor image) {
        return png(toImage(image));
    }

    /** An (H, W, 3) U8 RGB image as a PNG: lossless, {@link #decodeRgb} gives the same pixels back. */
    public static byte[] rgbToPng(Tensor rgb) {
        long[] s = rgb.shape();
        if (rgb.dtype() != DType.U8 || s.length != 3 || s[2] != 3) throw new IllegalArgumentException("expected an (H, W, 3) uint8 image, got " + rgb);
        int h = (int) s[0], w = (int) s[1];
        java.nio.ByteBuffer b = rgb.data();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < h * w; i++) img.setRGB(i % w, i / w, (b.get(3 * i) & 0xff) << 16 | (b.get(3 * i + 1) & 0xff) << 8 | b.get(3 * i + 2) & 0xff);
        return png(img);
    }

    private static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Decodes a PNG or JPEG as RGB, (H, W, 3) U8 (PIL's convert("RGB"): gray replicated, alpha dropped). The size is
     * read from the header first: an image of more than {@code maxPixels} pixels is refused before it is decoded. A
     * malformed image is an IllegalArgumentException.
     */
    public static Tensor decodeRgb(byte[] data, long maxPixels) {
        return rgb(read(data, maxPixels));
    }

    /** An image already in memory as RGB, (H, W, 3) U8 (gray replicated, alpha dropped). */
    public static Tensor rgb(BufferedImage img) {
        int h = img.getHeight(), w = img.getWidth();
        byte[] out = new byte[3 * h * w];
        int[] gray = gray(img);
        for (int i = 0; i < h * w; i++) {
            int rgb = gray != null ? gray[i] * 0x010101 : img.getRGB(i % w, i / w);
            out[3 * i] = (byte) (rgb >> 16);
            out[3 * i + 1] = (byte) (rgb >> 8);
            out[3 * i + 2] = (byte) rgb;
        }
        return u8(out, h, w, 3);
    }

    /** Decodes a PNG or JPEG as gray levels, (H, W) U8, as PIL's convert("L") (ITU-R 601-2 luma); see {@link #decodeRgb}. */
    public static Tensor decodeL(byte[] data, long maxPixels) {
        BufferedImage img = read(data, maxPixels);
        int h = img.getHeight(), w = img.getWidth();
        byte[] out = new byte[h * w];
        int[] gray = gray(img);
        for (int i = 0; i < h * w; i++) {
            if (gray != null) {
                out[i] = (byte) gray[i];
            } else {
                int rgb = img.getRGB(i % w, i / w);
                out[i] = (byte) luma((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
            }
        }
        return u8(out, h, w);
    }

    /** The gray level of an RGB pixel, as PIL computes it (ITU-R 601-2 luma, 16-bit fixed point, rounded). */
    public static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    /** refiners' image_to_tensor: an 8-bit (H, W, C) or (H, W) image as (1, C, H, W) float32 pixel / 255, in [0, 1]. */
    public static Tensor imageToTensor(Tensor pixels) {
        if (pixels.dtype() != DType.U8 || (pixels.rank() != 3 && pixels.rank() != 2))
            throw new IllegalArgumentException("expected an 8-bit (H, W, C) or (H, W) image, got " + pixels);
        int h = (int) pixels.dim(0), w = (int) pixels.dim(1), c = pixels.rank() == 3 ? (int) pixels.dim(2) : 1;
        long[] v = pixels.toLongArray();
        float[] out = new float[v.length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int k = 0; k < c; k++) out[(k * h + y) * w + x] = v[(y * w + x) * c + k] / 255f;
        return Tensor.ofFloats(new long[] {1, c, h, w}, out);
    }

    /** What the autoencoder encodes, as refiners' image_to_latents prepares it: image_to_tensor(pixels) * 2 - 1, in [-1, 1]. */
    public static Tensor autoencoderInput(Tensor pixels) {
        return Tensors.affine(imageToTensor(pixels), 2, -1, false);
    }

    /** An RGB image (1, 3, H, W) in [-1, 1] (2 * pixel / 255 - 1) from a PNG/JPEG; see {@link #decodeRgb} for the checks. */
    public static Tensor fromEncoded(byte[] data, long maxPixels) {
        return autoencoderInput(decodeRgb(data, maxPixels));
    }

    /**
     * The size the file declares is read from its header and checked before any pixel is decoded, so a small file
     * declaring a huge image (a decompression bomb) costs nothing. Decoding stays in memory (no ImageIO cache file).
     */
    private static BufferedImage read(byte[] data, long maxPixels) {
        if (data == null || data.length == 0) throw new IllegalArgumentException("is empty (PNG or JPEG bytes expected)");
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
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("unreadable image: " + e.getMessage(), e);
        }
    }

    /** The gray levels of a one-channel image (read from the raster: getRGB would apply a gamma), or null for colour images. */
    private static int[] gray(BufferedImage img) {
        if (img.getColorModel().getColorSpace().getType() != ColorSpace.TYPE_GRAY) return null;
        Raster r = img.getRaster();
        int h = img.getHeight(), w = img.getWidth(), shift = Math.max(0, r.getSampleModel().getSampleSize(0) - 8);
        int[] out = new int[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) out[y * w + x] = r.getSample(x, y, 0) >> shift;
        return out;
    }

    private static Tensor u8(byte[] values, long... shape) {
        java.nio.ByteBuffer b = Tensor.allocate(values.length);
        b.put(values).flip();
        return new Tensor(DType.U8, shape, b);
    }
}

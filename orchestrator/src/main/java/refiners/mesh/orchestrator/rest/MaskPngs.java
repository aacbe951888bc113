package refiners.mesh.orchestrator.rest;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import refiners.fluxion.Tensor;
import refiners.fluxion.utils.Images;

/**
 * Other mask conventions to ours (we repaint the white pixels): OpenAI edits the transparent pixels of the mask
 * (alpha below half; a mask without an alpha channel is refused: it cannot say what to edit); AUTOMATIC1111's
 * inpainting_mask_invert repaints the black ones.
 */
final class MaskPngs {
    private MaskPngs() {}

    /** The mask as a gray PNG, white where {@code png} is transparent; INVALID_ARGUMENT naming {@code field}. */
    static byte[] whereTransparent(byte[] png, long maxPixels, String field) {
        BufferedImage img = read(png, maxPixels, field);
        if (!img.getColorModel().hasAlpha())
            throw OpenAiImages.refused(field, "has no alpha channel: its transparent pixels are the ones to edit (an RGBA PNG)");
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) out.getRaster().setSample(x, y, 0, (img.getRGB(x, y) >>> 24) < 128 ? 255 : 0);
        return png(out);
    }

    /**
     * The mask's gray levels (as the generation reads them, Images.decodeL) inverted, as a gray PNG: the exact
     * complement once thresholded at 128; INVALID_ARGUMENT naming {@code field}.
     */
    static byte[] inverted(byte[] png, long maxPixels, String field) {
        Tensor gray;
        try {
            gray = Images.decodeL(png, maxPixels);
        } catch (IllegalArgumentException e) {
            throw OpenAiImages.refused(field, e.getMessage());
        }
        int h = (int) gray.dim(0), w = (int) gray.dim(1);
        java.nio.ByteBuffer b = gray.data();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < h * w; i++) out.getRaster().setSample(i % w, i / w, 0, 255 - (b.get(i) & 0xff));
        return png(out);
    }

    private static byte[] png(BufferedImage out) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(out, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes a PNG (its size checked against the pixel budget from the header, before decoding). */
    private static BufferedImage read(byte[] png, long maxPixels, String field) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
            var readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw OpenAiImages.refused(field, "is not a PNG image");
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > maxPixels) throw OpenAiImages.refused(field, "has " + pixels + " pixels, more than the budget of " + maxPixels);
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw OpenAiImages.refused(field, "cannot be read as an image: " + e.getMessage());
        }
    }
}

package refiners.mesh.orchestrator.rest;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * OpenAI's mask convention to ours: OpenAI edits the transparent pixels of the mask (alpha below half), we repaint
 * the white ones. A mask without an alpha channel is refused: it cannot say what to edit.
 */
final class OpenAiMask {
    private OpenAiMask() {}

    /** The mask as a gray PNG, white where {@code png} is transparent; INVALID_ARGUMENT naming {@code field}. */
    static byte[] whereTransparent(byte[] png, long maxPixels, String field) {
        BufferedImage img = read(png, maxPixels, field);
        if (!img.getColorModel().hasAlpha())
            throw OpenAiImages.refused(field, "has no alpha channel: its transparent pixels are the ones to edit (an RGBA PNG)");
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) out.getRaster().setSample(x, y, 0, (img.getRGB(x, y) >>> 24) < 128 ? 255 : 0);
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

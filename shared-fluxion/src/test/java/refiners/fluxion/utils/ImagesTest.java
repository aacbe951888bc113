package refiners.fluxion.utils;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import refiners.fluxion.Tensor;

/** Encoded images: the declared size is checked before decoding (decompression bombs cost nothing), PNG and JPEG only. */
class ImagesTest {
    /** A PNG signature and IHDR chunk declaring {@code w} x {@code h} RGB pixels, and no pixel data. */
    static byte[] pngHeader(int w, int h) {
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes()).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        return ByteBuffer.allocate(8 + 4 + 17 + 4).put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10}).putInt(13).put(ihdr.array())
                .putInt((int) crc.getValue()).array();
    }

    /** A real JPEG whose frame header (SOF0) is changed to declare {@code w} x {@code h} pixels. */
    static byte[] jpegDeclaring(int w, int h) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "jpeg", out);
        byte[] b = out.toByteArray();
        for (int i = 2; i + 9 < b.length; i++) {
            if ((b[i] & 0xff) == 0xff && (b[i + 1] & 0xff) == 0xc0) {
                ByteBuffer.wrap(b, i + 5, 4).putShort((short) h).putShort((short) w);
                return b;
            }
        }
        throw new IllegalStateException("no SOF0 marker");
    }

    static void assertRefused(byte[] data, long maxPixels, String because) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Images.fromEncoded(data, maxPixels));
        assertTrue(e.getMessage().contains(because), e.getMessage());
    }

    @Test
    void hugeDeclaredSizesAreRefusedBeforeDecoding() throws Exception {
        // decoding either would allocate tens of gigabytes
        assertRefused(pngHeader(100_000, 100_000), 1 << 20, "declares 100000x100000 pixels, more than the 1048576-pixel limit (refused before decoding)");
        assertRefused(jpegDeclaring(60_000, 60_000), 1 << 20, "declares 60000x60000 pixels");
        assertRefused(pngHeader(Integer.MAX_VALUE, Integer.MAX_VALUE), Long.MAX_VALUE, "unreadable image");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Images.fromEncoded(pngHeader(4096, 4096)));
        assertTrue(e.getMessage().contains("4194304-pixel limit"), "the default limit applies: " + e.getMessage());
    }

    @Test
    void pngAndJpegDecodeWithinTheLimitAndNothingElse() throws Exception {
        Tensor image = Tensor.ofFloats(new long[] {1, 3, 2, 2}, -1, 1, 0.5f, 0, 1, -1, 0, 0.25f, 0, 0, 1, -0.5f);
        byte[] png = Images.toPng(image);
        assertArrayEquals(Images.fromImage(Images.toImage(image)).toFloatArray(), Images.fromEncoded(png, 4).toFloatArray());
        assertRefused(png, 3, "declares 2x2 pixels, more than the 3-pixel limit");
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream(), bmp = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "jpeg", jpeg);
        assertArrayEquals(new long[] {1, 3, 8, 8}, Images.fromEncoded(jpeg.toByteArray(), 64).shape());
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "bmp", bmp);
        assertRefused(bmp.toByteArray(), 64, "not a PNG or JPEG image (bmp)");
        assertRefused(new byte[] {1, 2, 3, 4}, 64, "not a PNG or JPEG image");
        assertRefused(java.util.Arrays.copyOf(png, png.length / 2), 64, "unreadable image");
    }
}

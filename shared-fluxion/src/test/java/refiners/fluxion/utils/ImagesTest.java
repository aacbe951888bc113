package refiners.fluxion.utils;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

class ImagesTest {
    static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

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
    void rgbImagesDecodeToTheirPixelsAndGrayAsPilConvertsThem() throws Exception {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        int[] rgb = {0xff0000, 0x00ff00, 0x0000ff, 0x808080, 0xffffff, 0x102030};
        for (int i = 0; i < 6; i++) img.setRGB(i % 3, i / 3, rgb[i]);
        Tensor t = Images.decodeRgb(png(img), 6);
        assertEquals(DType.U8, t.dtype());
        assertArrayEquals(new long[] {2, 3, 3}, t.shape());
        assertArrayEquals(new long[] {255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 16, 32, 48}, t.toLongArray());
        // PIL's convert("L"): (R*19595 + G*38470 + B*7471 + 0x8000) >> 16
        assertArrayEquals(new long[] {76, 150, 29, 128, 255, 29}, Images.decodeL(png(img), 6).toLongArray());
    }

    @Test
    void grayImagesKeepTheirLevelsExactly() throws Exception {
        BufferedImage gray = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
        int[] levels = {0, 100, 128, 200};
        for (int x = 0; x < 4; x++) gray.getRaster().setSample(x, 0, 0, levels[x]);
        assertArrayEquals(new long[] {0, 100, 128, 200}, Images.decodeL(png(gray), 4).toLongArray());
        assertArrayEquals(new long[] {0, 0, 0, 100, 100, 100, 128, 128, 128, 200, 200, 200}, Images.decodeRgb(png(gray), 4).toLongArray());
    }

    @Test
    void imagesPastTheBudgetAreRefusedFromTheirHeader() throws Exception {
        byte[] big = png(new BufferedImage(3000, 3000, BufferedImage.TYPE_BYTE_GRAY)); // a few KB, 9 Mpixels
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Images.decodeRgb(big, 1_000_000));
        assertTrue(e.getMessage().contains("declares 3000x3000 pixels, more than the 1000000-pixel limit"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Images.decodeRgb("not an image".getBytes(), 100));
        assertThrows(IllegalArgumentException.class, () -> Images.decodeRgb(new byte[0], 100));
        byte[] truncated = java.util.Arrays.copyOf(png(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB)), 60);
        assertThrows(IllegalArgumentException.class, () -> Images.decodeRgb(truncated, 1 << 20));
    }

    @Test
    void imageToTensorIsPixelsOver255AsChannelsFirst() {
        java.nio.ByteBuffer b = Tensor.allocate(6);
        b.put(new byte[] {0, (byte) 255, 51, 1, 2, 3}).flip();
        Tensor t = Images.imageToTensor(new Tensor(DType.U8, new long[] {1, 2, 3}, b));
        assertArrayEquals(new long[] {1, 3, 1, 2}, t.shape());
        assertArrayEquals(new float[] {0f, 1 / 255f, 1f, 2 / 255f, 51 / 255f, 3 / 255f}, t.toFloatArray());
    }

    @Test
    void hugeDeclaredSizesAreRefusedBeforeDecoding() throws Exception {
        // decoding either would allocate tens of gigabytes
        assertRefused(pngHeader(100_000, 100_000), 1 << 20, "declares 100000x100000 pixels, more than the 1048576-pixel limit (refused before decoding)");
        assertRefused(jpegDeclaring(60_000, 60_000), 1 << 20, "declares 60000x60000 pixels");
        assertRefused(pngHeader(Integer.MAX_VALUE, Integer.MAX_VALUE), Long.MAX_VALUE, "unreadable image");
    }

    @Test
    void pngAndJpegDecodeWithinTheLimitAndNothingElse() throws Exception {
        Tensor image = Tensor.ofFloats(new long[] {1, 3, 2, 2}, -1, 1, 0.5f, 0, 1, -1, 0, 0.25f, 0, 0, 1, -0.5f);
        byte[] png = Images.toPng(image);
        assertArrayEquals(refiners.fluxion.Tensors.affine(Images.imageToTensor(Images.rgb(Images.toImage(image))), 2, -1, false).toFloatArray(), Images.fromEncoded(png, 4).toFloatArray());
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

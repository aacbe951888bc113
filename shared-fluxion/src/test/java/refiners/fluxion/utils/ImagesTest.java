package refiners.fluxion.utils;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
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
        assertTrue(e.getMessage().contains("3000x3000 exceeds the 1000000-pixel budget"), e.getMessage());
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
}

package refiners.fluxion.utils;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;

/**
 * BicubicResize against a plain double-precision reading of the same filter (Pillow's kernel, support stretched when
 * shrinking, weights normalised per output pixel, horizontal then vertical): the fixed-point passes may differ from it
 * by rounding only (a few pixels by one). A size that does not change is a copy, a flat image stays flat.
 */
class BicubicResizeTest {
    static Tensor image(int h, int w, long seed) {
        float[] v = DetInit.tensor("input:resize", new long[] {h, w, 3}, seed, 0, 1).toFloatArray();
        ByteBuffer b = Tensor.allocate(v.length);
        for (float f : v) b.put((byte) Math.max(0, Math.min(255, (int) (128 + 70 * f))));
        return new Tensor(DType.U8, new long[] {h, w, 3}, b.flip());
    }

    static long[] pixels(Tensor t) {
        return t.toLongArray();
    }

    @Test
    void theSameSizeIsACopyAndAFlatImageStaysFlat() {
        Tensor x = image(40, 56, 1);
        assertArrayEquals(pixels(x), pixels(BicubicResize.resize(x, 56, 40)));
        ByteBuffer b = Tensor.allocate(30 * 50 * 3);
        for (int i = 0; i < 30 * 50 * 3; i++) b.put((byte) 200);
        for (long p : pixels(BicubicResize.resize(new Tensor(DType.U8, new long[] {30, 50, 3}, b.flip()), 224, 224))) assertEquals(200, p);
    }

    @Test
    void upAndDownscalingFollowTheFilterUpToRounding() {
        for (int[] size : new int[][] {{224, 224}, {17, 23}, {100, 31}}) {
            Tensor x = image(40, 56, 2);
            long[] got = pixels(BicubicResize.resize(x, size[0], size[1]));
            double[] expected = reference(x, size[0], size[1]);
            int off = 0;
            for (int i = 0; i < got.length; i++) {
                assertTrue(Math.abs(got[i] - expected[i]) <= 1.0, "pixel " + i + " of " + size[0] + "x" + size[1] + ": " + got[i] + " vs " + expected[i]);
                if (got[i] != expected[i]) off++;
            }
            assertTrue(off * 100 < got.length, size[0] + "x" + size[1] + ": " + off + " of " + got.length + " pixels off by one: more than rounding");
        }
    }

    /** Both passes in doubles, each rounded and clipped to 8 bits as Pillow does between them. */
    static double[] reference(Tensor x, int width, int height) {
        long[] s = x.shape();
        int h = (int) s[0], w = (int) s[1];
        long[] in = pixels(x);
        double[] mid = new double[h * width * 3];
        for (int y = 0; y < h; y++)
            for (int o = 0; o < width; o++)
                for (int c = 0; c < 3; c++) {
                    final int yy = y, cc = c;
                    mid[(y * width + o) * 3 + c] = Math.max(0, Math.min(255, Math.floor(0.5 + filtered(w, width, o, j -> in[(yy * w + j) * 3 + cc]))));
                }
        double[] out = new double[height * width * 3];
        for (int o = 0; o < height; o++)
            for (int xx = 0; xx < width; xx++)
                for (int c = 0; c < 3; c++) {
                    final int x2 = xx, cc = c;
                    out[(o * width + xx) * 3 + c] = Math.max(0, Math.min(255, Math.floor(0.5 + filtered(h, height, o, j -> mid[(j * width + x2) * 3 + cc]))));
                }
        return out;
    }

    static double filtered(int inSize, int outSize, int o, java.util.function.IntToDoubleFunction source) {
        double scale = (double) inSize / outSize, stretch = Math.max(scale, 1), support = 2 * stretch, center = (o + 0.5) * scale;
        double sum = 0, total = 0;
        for (int j = Math.max(0, (int) (center - support + 0.5)); j < Math.min(inSize, (int) (center + support + 0.5)); j++) {
            double k = cubic((j - center + 0.5) / stretch);
            sum += k * source.applyAsDouble(j);
            total += k;
        }
        return sum / total;
    }

    static double cubic(double x) {
        x = Math.abs(x);
        return x < 1 ? (1.5 * x - 2.5) * x * x + 1 : x < 2 ? ((-0.5 * x + 2.5) * x - 4) * x + 2 : 0;
    }
}

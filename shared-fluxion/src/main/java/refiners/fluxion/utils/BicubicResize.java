package refiners.fluxion.utils;

import java.nio.ByteBuffer;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

/**
 * PIL's {@code Image.resize(size, BICUBIC)} of an 8-bit image, pixel for pixel: the bicubic kernel (a = -0.5)
 * stretched by the scale when shrinking (antialiasing), normalised per output pixel, turned into 22-bit fixed point,
 * applied horizontally then vertically with each pass rounded and clipped to 8 bits (Pillow's Resample.c). A pass
 * whose size does not change is skipped, as in Pillow.
 */
public final class BicubicResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0, A = -0.5;

    private BicubicResize() {}

    /** (H, W, C) U8 to (height, width, C) U8. */
    public static Tensor resize(Tensor image, int width, int height) {
        long[] s = image.shape();
        if (image.dtype() != DType.U8 || s.length != 3) throw new IllegalArgumentException("an (H, W, C) uint8 image is expected");
        if (width < 1 || height < 1) throw new IllegalArgumentException("the size must be positive, not " + width + "x" + height);
        int h = (int) s[0], w = (int) s[1], c = (int) s[2];
        int[] pixels = new int[h * w * c];
        ByteBuffer b = image.data();
        for (int i = 0; i < pixels.length; i++) pixels[i] = b.get(i) & 0xff;
        if (width != w) {
            pixels = pass(pixels, h, w, c, width, true);
            w = width;
        }
        if (height != h) {
            pixels = pass(pixels, h, w, c, height, false);
            h = height;
        }
        ByteBuffer out = Tensor.allocate(pixels.length);
        for (int p : pixels) out.put((byte) p);
        return new Tensor(DType.U8, new long[] {h, w, c}, out.flip());
    }

    /** One direction: along the width (horizontal) or the height, to {@code outSize}. */
    private static int[] pass(int[] in, int h, int w, int c, int outSize, boolean horizontal) {
        int inSize = horizontal ? w : h;
        Coefficients k = coefficients(inSize, outSize);
        int outH = horizontal ? h : outSize, outW = horizontal ? outSize : w;
        int[] out = new int[outH * outW * c];
        for (int y = 0; y < outH; y++)
            for (int x = 0; x < outW; x++) {
                int o = horizontal ? x : y;
                int min = k.bounds[2 * o], count = k.bounds[2 * o + 1];
                for (int ch = 0; ch < c; ch++) {
                    int sum = 1 << (PRECISION_BITS - 1);
                    for (int j = 0; j < count; j++) {
                        int src = horizontal ? (y * w + min + j) * c + ch : ((min + j) * w + x) * c + ch;
                        sum += in[src] * k.weights[o * k.size + j];
                    }
                    out[(y * outW + x) * c + ch] = clip8(sum);
                }
            }
        return out;
    }

    private record Coefficients(int size, int[] weights, int[] bounds) {}

    /** Pillow's precompute_coeffs and normalize_coeffs_8bpc for the whole input range. */
    private static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale, inverse = 1.0 / filterScale;
        int size = (int) Math.ceil(support) * 2 + 1;
        int[] weights = new int[outSize * size], bounds = new int[outSize * 2];
        double[] k = new double[size];
        for (int o = 0; o < outSize; o++) {
            double center = (o + 0.5) * scale;
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), inSize) - min;
            double total = 0;
            for (int j = 0; j < max; j++) {
                k[j] = filter((j + min - center + 0.5) * inverse);
                total += k[j];
            }
            for (int j = 0; j < max; j++) {
                double v = total != 0.0 ? k[j] / total : k[j];
                weights[o * size + j] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
            }
            bounds[2 * o] = min;
            bounds[2 * o + 1] = max;
        }
        return new Coefficients(size, weights, bounds);
    }

    private static double filter(double x) {
        x = Math.abs(x);
        if (x < 1.0) return ((A + 2.0) * x - (A + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * A;
        return 0.0;
    }

    private static int clip8(int v) {
        if (v >= (1 << PRECISION_BITS << 8)) return 255;
        if (v <= 0) return 0;
        return v >> PRECISION_BITS;
    }
}

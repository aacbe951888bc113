package refiners.foundationals.latent_diffusion.preprocessors;

import java.nio.ByteBuffer;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.utils.Images;

/**
 * Canny edges, the condition a canny ControlNet was trained on (ControlNet's annotator: cv2.Canny(image, 100, 200),
 * white edges on black, replicated to 3 channels), so a user can pass a photo. Here: luma, 3x3 Sobel gradients with
 * replicated borders, L1 magnitude, non-maximum suppression along the gradient direction (quantized to 4 directions
 * as OpenCV does), then hysteresis: edges are pixels above the high threshold and pixels above the low one
 * 8-connected to them.
 */
public final class CannyEdges {
    public static final int LOW_THRESHOLD = 100;
    public static final int HIGH_THRESHOLD = 200;
    private static final double TAN_22_5 = Math.tan(Math.toRadians(22.5));
    private static final double TAN_67_5 = Math.tan(Math.toRadians(67.5));

    private CannyEdges() {}

    /** Edges of an (H, W, 3) U8 RGB image with ControlNet's thresholds, as an (H, W, 3) U8 image of 0 and 255. */
    public static Tensor detect(Tensor rgb) {
        return detect(rgb, LOW_THRESHOLD, HIGH_THRESHOLD);
    }

    public static Tensor detect(Tensor rgb, int low, int high) {
        if (rgb.dtype() != DType.U8 || rgb.rank() != 3 || rgb.dim(2) != 3) throw new IllegalArgumentException("expected an (H, W, 3) 8-bit RGB image, got " + rgb);
        int h = (int) rgb.dim(0), w = (int) rgb.dim(1);
        long[] p = rgb.toLongArray();
        int[] gray = new int[h * w];
        for (int i = 0; i < gray.length; i++) gray[i] = Images.luma((int) p[3 * i], (int) p[3 * i + 1], (int) p[3 * i + 2]);
        int[] dx = new int[h * w], dy = new int[h * w], mag = new int[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int gx = at(gray, w, h, x + 1, y - 1) + 2 * at(gray, w, h, x + 1, y) + at(gray, w, h, x + 1, y + 1)
                        - at(gray, w, h, x - 1, y - 1) - 2 * at(gray, w, h, x - 1, y) - at(gray, w, h, x - 1, y + 1);
                int gy = at(gray, w, h, x - 1, y + 1) + 2 * at(gray, w, h, x, y + 1) + at(gray, w, h, x + 1, y + 1)
                        - at(gray, w, h, x - 1, y - 1) - 2 * at(gray, w, h, x, y - 1) - at(gray, w, h, x + 1, y - 1);
                int i = y * w + x;
                dx[i] = gx;
                dy[i] = gy;
                mag[i] = Math.abs(gx) + Math.abs(gy);
            }
        }
        // 2: an edge for sure, 1: an edge if connected to one, 0: none
        byte[] state = new byte[h * w];
        int[] stack = new int[h * w];
        int top = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x, m = mag[i];
                if (m <= low || !isLocalMaximum(mag, dx[i], dy[i], w, h, x, y)) continue;
                if (m > high) {
                    state[i] = 2;
                    stack[top++] = i;
                } else {
                    state[i] = 1;
                }
            }
        }
        while (top > 0) {
            int i = stack[--top], x = i % w, y = i / w;
            for (int ny = Math.max(0, y - 1); ny <= Math.min(h - 1, y + 1); ny++)
                for (int nx = Math.max(0, x - 1); nx <= Math.min(w - 1, x + 1); nx++) {
                    int j = ny * w + nx;
                    if (state[j] == 1) {
                        state[j] = 2;
                        stack[top++] = j;
                    }
                }
        }
        ByteBuffer out = Tensor.allocate(3L * h * w);
        for (int i = 0; i < h * w; i++) {
            byte v = state[i] == 2 ? (byte) 255 : 0;
            out.put(v).put(v).put(v);
        }
        out.flip();
        return new Tensor(DType.U8, new long[] {h, w, 3}, out);
    }

    /** The gray level at (x, y), borders replicated. */
    private static int at(int[] gray, int w, int h, int x, int y) {
        return gray[Math.min(h - 1, Math.max(0, y)) * w + Math.min(w - 1, Math.max(0, x))];
    }

    /** Larger than the neighbour before and not smaller than the one after, along the quantized gradient direction. */
    private static boolean isLocalMaximum(int[] mag, int gx, int gy, int w, int h, int x, int y) {
        int m = mag[y * w + x];
        double ax = Math.abs(gx), ay = Math.abs(gy);
        int ox, oy;
        if (ay <= ax * TAN_22_5) {
            ox = 1;
            oy = 0;
        } else if (ay > ax * TAN_67_5) {
            ox = 0;
            oy = 1;
        } else {
            ox = (gx ^ gy) < 0 ? -1 : 1;
            oy = 1;
        }
        return m > magnitude(mag, w, h, x - ox, y - oy) && m >= magnitude(mag, w, h, x + ox, y + oy);
    }

    private static int magnitude(int[] mag, int w, int h, int x, int y) {
        return x < 0 || y < 0 || x >= w || y >= h ? 0 : mag[y * w + x];
    }
}

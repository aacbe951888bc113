package refiners.foundationals.latent_diffusion.preprocessors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;

class CannyEdgesTest {
    /** An (h, w, 3) image whose gray level is given per pixel. */
    static Tensor image(int h, int w, java.util.function.IntBinaryOperator level) {
        ByteBuffer b = Tensor.allocate(3L * h * w);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                byte v = (byte) level.applyAsInt(x, y);
                b.put(v).put(v).put(v);
            }
        b.flip();
        return new Tensor(DType.U8, new long[] {h, w, 3}, b);
    }

    static int[][] edges(Tensor t) {
        int h = (int) t.dim(0), w = (int) t.dim(1);
        long[] v = t.toLongArray();
        int[][] out = new int[h][w];
        for (int i = 0; i < h * w; i++) {
            assertTrue(v[3 * i] == v[3 * i + 1] && v[3 * i] == v[3 * i + 2], "the three channels are equal");
            assertTrue(v[3 * i] == 0 || v[3 * i] == 255, "edges are 0 or 255");
            out[i / w][i % w] = (int) v[3 * i];
        }
        return out;
    }

    @Test
    void aVerticalStepGivesOneThinVerticalLine() {
        int[][] e = edges(CannyEdges.detect(image(16, 16, (x, y) -> x < 8 ? 20 : 220)));
        for (int y = 0; y < 16; y++) {
            int count = 0;
            for (int x = 0; x < 16; x++) if (e[y][x] == 255) count++;
            assertEquals(1, count, "row " + y + ": one edge pixel");
            assertTrue(e[y][7] == 255 || e[y][8] == 255, "at the step");
        }
    }

    @Test
    void flatImagesAndWeakStepsHaveNoEdges() {
        assertArrayEquals(new int[16][16], edges(CannyEdges.detect(image(16, 16, (x, y) -> 128))));
        // a step of 10 levels: Sobel magnitude 40, under the low threshold
        assertArrayEquals(new int[16][16], edges(CannyEdges.detect(image(16, 16, (x, y) -> x < 8 ? 100 : 110))));
    }

    @Test
    void weakEdgesSurviveOnlyWhenConnectedToStrongOnes() {
        // a step of 30 levels (magnitude 120: weak) continuing one of 80 (magnitude 320: strong), and a lone weak one
        Tensor img = image(16, 24, (x, y) -> y < 8 ? (x < 8 ? 50 : 130) : (x < 8 ? 50 : 80));
        int[][] e = edges(CannyEdges.detect(img));
        for (int y = 0; y < 16; y++) assertTrue(e[y][7] == 255 || e[y][8] == 255, "row " + y + " is connected to the strong part");
        Tensor lone = image(16, 16, (x, y) -> x < 8 ? 50 : 80);
        assertArrayEquals(new int[16][16], edges(CannyEdges.detect(lone)));
    }

    @Test
    void refusesWhatIsNotAnRgbImage() {
        assertThrows(IllegalArgumentException.class, () -> CannyEdges.detect(Tensor.zeros(DType.F32, 8, 8, 3)));
    }
}

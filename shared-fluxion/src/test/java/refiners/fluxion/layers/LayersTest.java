package refiners.fluxion.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.runtime.Runner;

/** Layers the oracle does not exercise, checked against plain Java reference computations. */
class LayersTest {
    private static Tensor in(long... shape) {
        return DetInit.tensor("input:layers", shape, 3, 0, 1);
    }

    @Test
    void conv2dWithGroupsAndDilation() {
        Conv2d c = new Conv2d(4, 6, new int[] {3, 3}, new int[] {1, 1}, new int[] {2, 2}, new int[] {2, 2}, 2, true);
        c.loadStateDict(DetInit.stateDict(c.stateDictShapes(), 1));
        Tensor x = in(1, 4, 5, 5);
        float[] y = Runner.shared().forward(c, x).toFloatArray();
        float[] xv = x.toFloatArray(), w = c.parameter("weight").toFloatArray(), b = c.parameter("bias").toFloatArray();
        int i = 0;
        for (int o = 0; o < 6; o++) {
            int g = o / 3;
            for (int h = 0; h < 5; h++) for (int v = 0; v < 5; v++) {
                double s = b[o];
                for (int ci = 0; ci < 2; ci++) for (int kh = 0; kh < 3; kh++) for (int kw = 0; kw < 3; kw++) {
                    int ih = h - 2 + 2 * kh, iw = v - 2 + 2 * kw;
                    if (ih < 0 || ih >= 5 || iw < 0 || iw >= 5) continue;
                    s += w[((o * 2 + ci) * 3 + kh) * 3 + kw] * xv[((g * 2 + ci) * 5 + ih) * 5 + iw];
                }
                assertEquals(s, y[i++], 1e-4);
            }
        }
    }

    @Test
    void layerNorm2dNormalizesChannels() {
        LayerNorm2d n = new LayerNorm2d(3);
        n.loadStateDict(DetInit.stateDict(n.stateDictShapes(), 2));
        Tensor x = in(1, 3, 2, 2);
        float[] y = Runner.shared().forward(n, x).toFloatArray(), xv = x.toFloatArray(), w = n.parameter("weight").toFloatArray(), b = n.parameter("bias").toFloatArray();
        for (int p = 0; p < 4; p++) {
            double mean = 0, var = 0;
            for (int c = 0; c < 3; c++) mean += xv[c * 4 + p] / 3;
            for (int c = 0; c < 3; c++) var += Math.pow(xv[c * 4 + p] - mean, 2) / 3;
            for (int c = 0; c < 3; c++) assertEquals(w[c] * (xv[c * 4 + p] - mean) / Math.sqrt(var + 1e-6) + b[c], y[c * 4 + p], 1e-5);
        }
    }

    @Test
    void shapeLayers() {
        Tensor x = in(2, 3, 4);
        float[] v = x.toFloatArray();
        List<Tensor> chunks = Runner.shared().forwardAll(new Chunk(2, 2), x);
        assertEquals(2, chunks.size());
        assertArrayEquals(new long[] {2, 3, 2}, chunks.get(1).shape());
        assertEquals(v[2], chunks.get(1).toFloatArray()[0]);
        Tensor p = Runner.shared().forward(new Permute(2, 0, 1), x);
        assertArrayEquals(new long[] {4, 2, 3}, p.shape());
        assertEquals(v[1 * 12 + 2 * 4 + 3], p.toFloatArray()[3 * 6 + 1 * 3 + 2]);
        assertArrayEquals(new long[] {2, 1, 3, 4}, Runner.shared().forward(new Unsqueeze(1), x).shape());
        assertArrayEquals(new long[] {2, 3, 4}, Runner.shared().forward(new Chain(new Unsqueeze(1), new Squeeze(1)), x).shape());
        assertArrayEquals(new long[] {2, 12}, Runner.shared().forward(new Flatten(1), x).shape());
        Tensor s = Runner.shared().forward(new Slicing(2, 1, 3L, 1), x);
        assertArrayEquals(new long[] {2, 3, 2}, s.shape());
        assertEquals(v[1], s.toFloatArray()[0]);
        assertArrayEquals(new long[] {2, 3, 4}, Runner.shared().forward(new Reshape(3, 4), Runner.shared().forward(new Flatten(1), x)).shape());
    }

    @Test
    void activationsAndInterpolation() {
        Tensor x = in(1, 2, 2, 3);
        float[] v = x.toFloatArray(), sig = Runner.shared().forward(new Sigmoid(), x).toFloatArray(), relu = Runner.shared().forward(new ReLU(), x).toFloatArray();
        for (int i = 0; i < v.length; i++) {
            assertEquals(1 / (1 + Math.exp(-v[i])), sig[i], 1e-6);
            assertEquals(Math.max(0, v[i]), relu[i], 0);
        }
        Tensor up = Runner.shared().forward(new Chain(new Parallel(new Identity(), Lambda.of("size", t -> t.graph().constLongs(4, 6))), new Interpolate()), x);
        float[] u = up.toFloatArray();
        for (int c = 0; c < 2; c++) for (int h = 0; h < 4; h++) for (int w = 0; w < 6; w++)
            assertEquals(v[(c * 2 + h / 2) * 3 + w / 2], u[(c * 4 + h) * 6 + w], 0); // nearest: floor(dst * in / out)
    }
}

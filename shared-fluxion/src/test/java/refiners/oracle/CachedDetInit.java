package refiners.oracle;

import java.util.Map;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Module;

/**
 * A manifest model's full-size detinit weights mapped from the detinit file cache (the files the mesh maps), instead
 * of generated again in memory (seconds per model, each time). The generator itself is what the small models of
 * fluxion-layers check against refiners; here every tensor of the file is checked against it at a few elements spread
 * over the tensor (first, last and between), so that a file which is not the generator's output fails at once.
 */
final class CachedDetInit {
    private static final int SAMPLES = 16;

    private CachedDetInit() {}

    static Map<String, Tensor> weights(Module model, long seed) {
        Map<String, Tensor> sd = DetInit.cachedStateDict(model.className(), model.stateDictShapes(), seed);
        sd.forEach((key, t) -> checkSample(model.className(), key, t, seed));
        return sd;
    }

    private static void checkSample(String modelName, String key, Tensor t, long seed) {
        double[] cs = DetInit.centerScale(key, t.shape());
        long state = DetInit.fnv1a64(key) ^ seed, n = t.numel();
        var data = t.data();
        for (int s = 0; s < SAMPLES; s++) {
            long i = s == SAMPLES - 1 ? n - 1 : n * s / SAMPLES + s; // spread, not aligned to rows
            if (i >= n) continue;
            int expected = Float.floatToRawIntBits(DetInit.value(state, i, cs[0], cs[1]));
            int actual = Float.floatToRawIntBits(data.getFloat((int) (4 * i)));
            if (expected != actual)
                throw new AssertionError("detinit cache of " + modelName + ": " + key + "[" + i + "] is " + Integer.toHexString(actual)
                        + ", the generator gives " + Integer.toHexString(expected));
        }
    }
}

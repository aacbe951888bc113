package refiners.foundationals.latent_diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GaussianNoiseTest {
    static final long[] SHAPE = {1, 4, 8, 8};

    @Test
    void eachStepOfASeedHasItsOwnStandardNormalStream() {
        List<float[]> streams = new ArrayList<>();
        streams.add(GaussianNoise.sample(7, SHAPE).toFloatArray());
        for (int step = 0; step < 4; step++) streams.add(GaussianNoise.forStep(7, step, SHAPE).toFloatArray());
        streams.add(GaussianNoise.forStep(8, 0, SHAPE).toFloatArray());
        for (int i = 0; i < streams.size(); i++)
            for (int j = i + 1; j < streams.size(); j++) assertFalse(Arrays.equals(streams.get(i), streams.get(j)), "streams " + i + " and " + j);
        assertArrayEquals(streams.get(1), GaussianNoise.forStep(7, 0, SHAPE).toFloatArray(), "the same (seed, step), the same noise");
        double sum = 0, squares = 0;
        float[] many = GaussianNoise.forStep(7, 3, 1 << 16).toFloatArray();
        for (float v : many) {
            sum += v;
            squares += v * v;
        }
        assertEquals(0, sum / many.length, 0.02);
        assertEquals(1, squares / many.length, 0.02);
    }
}

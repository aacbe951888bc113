package refiners.fluxion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The check values published with detinit v1 (shared/oracle/README.md), bit for bit. */
class DetInitTest {
    private static void check(String key, long[] shape, long seed, long fnv, int... first4) {
        assertEquals(fnv, DetInit.fnv1a64(key), key);
        float[] v = key.startsWith("input:")
                ? DetInit.tensor(key, shape, seed, 0, 1).toFloatArray()
                : DetInit.tensor(key, shape, seed).toFloatArray();
        int[] bits = new int[4];
        for (int i = 0; i < 4; i++) bits[i] = Float.floatToRawIntBits(v[i]);
        assertArrayEquals(first4, bits, key);
    }

    @Test
    void checkValues() {
        check("Linear.weight", new long[] {64, 32}, 0, 0x844a934af84b3092L, 0xbe958ef9, 0xbe46fcb3, 0xbd8313a8, 0x3dfa92c7);
        check("DownBlocks.Chain_1.Conv2d.weight", new long[] {320, 4, 3, 3}, 4, 0x6ebc28ba741a5f90L, 0xbe7835fb, 0x3c8031ac, 0xbc6ee468, 0xbd80c32a);
        check("Sum.TokenEncoder.weight", new long[] {49408, 768}, 3, 0xb2f2690afc65acbdL, 0x3c21f490, 0x3c9c3464, 0x3b98a9c0, 0x3d75e434);
        check("TransformerLayer_1.Residual_1.LayerNorm.weight", new long[] {768}, 3, 0xdf836b4c3ccfa9e3L, 0x3f6e20b4, 0x3f88447d, 0x3f80e685, 0x3f6d4927);
        check("Linear.bias", new long[] {64}, 0, 0x0f8d245bf1d9de4fL, 0x3bd256e6, 0x3c1e9bbb, 0xbb1c67c3, 0x3b179514);
        check("input:x", new long[] {2, 3, 16, 16}, 7, 0x80c43e2d5926f491L, 0x3f371304, 0x3f64cea6, 0x3d0a4180, 0x3f5d4544);
    }
}

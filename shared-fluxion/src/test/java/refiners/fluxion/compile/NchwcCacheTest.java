package refiners.fluxion.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Conv2d;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsWriter;

/** The blocked copies' places: beside the weights (written by convert), else a cache bounded least recently used first. */
@Isolated("sets the system property refiners.cache, which every detinit and NCHWc cache user reads")
class NchwcCacheTest {
    private static final int BLOCK = 8;
    @TempDir
    Path dir;
    private String previous;

    @BeforeEach
    void ownCache() {
        previous = System.getProperty("refiners.cache");
        System.setProperty("refiners.cache", dir.resolve("cache").toString());
    }

    @AfterEach
    void sharedCache() {
        if (previous == null) System.clearProperty("refiners.cache");
        else System.setProperty("refiners.cache", previous);
    }

    @Test
    void aCopyWrittenBesideTheWeightsIsMappedAndNothingGoesToTheCache() throws Exception {
        Path weights = weights("w.safetensors", 1);
        long written = NchwcCache.writeBeside(weights, BLOCK);
        Tensor w = SafeTensors.open(weights).get("weight");
        assertEquals(w.byteSize(), written);
        Tensor blocked = NchwcWeights.blocked(w, BLOCK);
        assertEquals(dir.resolve("w.safetensors.nchwc-b8"), blocked.origin().file().getParent());
        assertFalse(Files.exists(NchwcCache.root()), "no copy computed");
        assertBlocked(w, blocked);
    }

    @Test
    void aCopyBesideOtherWeightsIsNotUsed() throws Exception {
        Path weights = weights("w.safetensors", 1);
        NchwcCache.writeBeside(weights, BLOCK);
        SafeTensorsWriter.write(weights, DetInit.stateDict(new Conv2d(BLOCK, BLOCK, 3).stateDictShapes(), 2)); // replaced, copy kept
        Tensor w = SafeTensors.open(weights).get("weight");
        Tensor blocked = NchwcWeights.blocked(w, BLOCK);
        assertTrue(blocked.origin().file().startsWith(NchwcCache.root()));
        assertBlocked(w, blocked);
    }

    @Test
    void beyondItsLimitTheLeastRecentlyUsedCopiesGo() throws Exception {
        List<Path> copies = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Tensor w = SafeTensors.open(weights("w" + i + ".safetensors", i)).get("weight");
            copies.add(NchwcWeights.blocked(w, BLOCK).origin().file().getParent());
        }
        // as if other processes had used them: the oldest first
        Path foreign = NchwcCache.root().resolve("b" + BLOCK + "-elsewhere");
        for (int i = 0; i < 3; i++) {
            Path moved = Files.createDirectories(foreign).resolve("c" + i);
            Files.move(copies.get(i), moved);
            Files.setLastModifiedTime(moved.resolve("source"), FileTime.fromMillis(1_000_000L * (i + 1)));
            copies.set(i, moved);
        }
        long each = NchwcCache.copies().get(0).bytes();
        List<NchwcCache.Copy> removed = NchwcCache.prune(2 * each);
        assertEquals(List.of(copies.get(0)), removed.stream().map(NchwcCache.Copy::dir).toList());
        assertTrue(Files.exists(copies.get(1)) && Files.exists(copies.get(2)));
        assertEquals(2, NchwcCache.prune(0).size());
    }

    @Test
    void blockingReadsTheSourceWithoutItsPagesCountingInResidentMemory() throws Exception {
        Path status = Path.of("/proc/self/status");
        Assumptions.assumeTrue(Files.exists(status), "Linux only");
        Path f = dir.resolve("big.safetensors");
        SafeTensorsWriter.write(f, java.util.Map.of("weight", DetInit.tensor("weight", new long[] {256, 1024, 8, 8}, 1))); // 64 MiB
        Tensor w = SafeTensors.open(f).get("weight");
        long before = residentFileKiB(status);
        Tensor blocked = NchwcWeights.blocked(w, BLOCK);
        long grown = residentFileKiB(status) - before;
        assertTrue(grown < 16 * 1024, "file-backed resident memory grew by " + grown + " KiB blocking a 64 MiB weight");
        assertEquals(w.byteSize(), blocked.byteSize());
    }

    private static long residentFileKiB(Path status) throws java.io.IOException {
        return Files.readAllLines(status).stream().filter(l -> l.startsWith("RssFile:")).mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).sum();
    }

    @Test
    void sizesAreReadWithTheirSuffixAndBadOnesNamed() {
        assertEquals(10L << 30, DetInit.parseSize("10g", "X"));
        assertEquals(512L << 20, DetInit.parseSize("512M", "X"));
        assertEquals(1234, DetInit.parseSize("1234", "X"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DetInit.parseSize("ten", "REFINERS_CACHE_LIMIT")).getMessage().contains("REFINERS_CACHE_LIMIT"));
    }

    private Path weights(String name, long seed) {
        Path f = dir.resolve(name);
        SafeTensorsWriter.write(f, DetInit.stateDict(new Conv2d(2 * BLOCK, BLOCK, 3).stateDictShapes(), seed));
        return f;
    }

    /** The copy holds the source's values in OIHWBiBo order. */
    private static void assertBlocked(Tensor w, Tensor blocked) {
        float[] src = w.toFloatArray(), b = blocked.toFloatArray();
        int in = (int) w.dim(1), k = (int) (w.dim(2) * w.dim(3)), d = 0;
        for (int ob = 0; ob < w.dim(0); ob += BLOCK)
            for (int ib = 0; ib < in; ib += BLOCK)
                for (int kk = 0; kk < k; kk++)
                    for (int bi = 0; bi < BLOCK; bi++)
                        for (int bo = 0; bo < BLOCK; bo++)
                            assertEquals(src[((ob + bo) * in + ib + bi) * k + kk], b[d++]);
    }
}

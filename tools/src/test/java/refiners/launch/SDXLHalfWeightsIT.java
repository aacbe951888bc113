package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import refiners.bench.SDXLHalfMemoryBench;

/**
 * unet-svc serving SDXL from float16 weights (bench-sdxl-f16's mesh, one 128² generation of 2 steps, so a session
 * besides the warm-up's): its peak resident memory stays within 1.25 x the UNet file's bytes, of it at most 0.25 x
 * anonymous (the mapped weights are file pages the OS may evict, so the total alone could hide a float32 copy; anonymous
 * memory cannot be evicted without swap). Heavy: run it alone, under the heavy lock.
 */
class SDXLHalfWeightsIT {
    @Test
    void unetSvcServesFloat16SdxlInLittleMoreThanItsWeightBytes() throws Exception {
        SharedMesh.close(); // a mesh of its own: both at once would not fit in memory
        Path root = Path.of(System.getProperty("mesh.root", "..")).toAbsolutePath().normalize();
        SDXLHalfMemoryBench.Report r = SDXLHalfMemoryBench.measure(root, root.resolve("tools/target/sdxl-f16/logs"), 128, 2, 1, System.out);
        System.out.printf(java.util.Locale.ROOT, "unet-svc peak %.3f x its float16 weight bytes, anonymous %.3f x%n", r.peakRatio(), r.peakAnonymousRatio());
        assertTrue(r.peakRatio() <= 1.25, "unet-svc's peak resident memory is " + r.peakRatio() + " x its float16 weight bytes");
        assertTrue(r.peakAnonymousRatio() <= 0.25, "unet-svc's anonymous memory peaked at " + r.peakAnonymousRatio() + " x its weight bytes: weights copied?");
    }
}

package refiners.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.parallel.Isolated;
import refiners.conversion.Checkpoints;
import refiners.conversion.SDXLComponent;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLUNet;

/**
 * float16 SDXL on CPU: the full-size UNet with float16 weights mapped from a float16 file runs the sdxl-unet oracle
 * inputs adding at most 1.25 x the weight bytes to the process's resident memory, of it at most 0.25 x anonymous (no
 * float32 copy of the weights), and lands near the float64 reference. Measured as growth over the test JVM's own
 * memory (heap, the oracle's tensors), which unet-svc does not carry: the service's figure is bench-sdxl-f16's
 * (docs/benchmarks.md). Heavy (a 5.1 GB file, written once next to the detinit cache, and a full-size run): only
 * with -Dsdxl.f16=true, under the heavy lock.
 */
@EnabledIfSystemProperty(named = "sdxl.f16", matches = "true")
@Isolated("measures this process's resident memory: nothing else may load weights meanwhile")
class SDXLHalfWeightsTest {
    @Test
    void float16UnetRunsInLittleMoreThanItsWeightBytes() throws Exception {
        SDXLUNet unet = new SDXLUNet(4);
        Path file = DetInit.cachedHalfFile("SDXLUNet", unet.stateDictShapes(), SDXLComponent.UNET.detinitSeed);
        OracleCase oc = OracleCase.load(OracleCase.dir().resolve("sdxl-unet.json"));
        System.gc(); // unmaps the float32 detinit tensors the file was written from, if any
        long weightBytes = Files.size(file), before = rss("VmRSS:"), beforeAnon = rss("RssAnon:");
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // resets the kernel's peak (VmHWM), which catches what sampling misses
        } catch (java.io.IOException e) {
            // not Linux: the samples only
        }

        AtomicLong peak = new AtomicLong(before), peakAnon = new AtomicLong(beforeAnon);
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(rss("VmRSS:"), Math::max);
                peakAnon.accumulateAndGet(rss("RssAnon:"), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();

        unet.loadStateDict(Checkpoints.open(file));
        JsonNode sub = oc.manifest().get("subcases").get(0);
        List<Tensor> x = SD1UNetCase.inputs(oc, sub, "sdxl-unet", Map.of("timestep", unet::setTimestep, "clip_text_embedding", unet::setClipTextEmbedding,
                "pooled_text_embedding", unet::setPooledTextEmbedding, "time_ids", unet::setTimeIds));
        Tensor y = TimedRun.run("sdxl-unet f16 weights", unet, CompileOptions.defaults().withDtype(DType.F16), x).output();
        sampler.interrupt();
        sampler.join();
        peak.accumulateAndGet(rss("VmHWM:"), Math::max);
        peakAnon.accumulateAndGet(rss("RssAnon:"), Math::max);

        JsonNode out = OracleCase.find(sub.get("outputs"), "y");
        float[] got = y.toFloatArray(), f64 = oc.tensors().get(out.get("tensor_f64").asText()).toFloatArray(),
                f32 = oc.tensors().get(out.get("tensor_f32").asText()).toFloatArray();
        double scale = 0, d64 = 0, d32 = 0;
        for (int i = 0; i < got.length; i++) {
            scale = Math.max(scale, Math.abs(f64[i]));
            d64 = Math.max(d64, Math.abs(got[i] - f64[i]));
            d32 = Math.max(d32, Math.abs(got[i] - f32[i]));
        }
        long grown = peak.get() - before, grownAnon = peakAnon.get() - beforeAnon;
        System.out.printf("  sdxl-unet f16 weights: %.2f GiB of weights; resident before %.2f GiB (anonymous %.2f), peak %.2f GiB: grew %.3f x the weights,"
                        + " anonymous %.3f x; max|y - f64| / max|f64| = %.2e, max|y - f32| / max|f64| = %.2e%n", weightBytes / 1073741824.0, before / 1073741824.0,
                beforeAnon / 1073741824.0, peak.get() / 1073741824.0, (double) grown / weightBytes, (double) grownAnon / weightBytes, d64 / scale, d32 / scale);
        assertTrue(grown <= 1.25 * weightBytes, "resident memory grew by " + grown + " > 1.25 x " + weightBytes);
        // The mapped weights are file pages the OS may evict under pressure, so the total alone could hide a copy;
        // anonymous memory is never evicted (no swap) and a float32 copy of the weights would be twice their bytes.
        assertTrue(grownAnon <= 0.25 * weightBytes, "anonymous memory grew by " + grownAnon + " > 0.25 x " + weightBytes + ": weights copied?");
        // float16 rounds each weight by up to 2^-11 relative; through the UNet's depth the output error grows a few-fold
        // (SD1.5: 3e-3); 1e-2 of the output's range separates that from a wrong weight (order 1).
        assertTrue(d64 / scale < 1e-2, "f16 output is " + d64 / scale + " of max|f64| away from the reference");
    }

    /** A resident-memory field of this process (VmRSS: all, VmHWM: its peak, RssAnon: anonymous), in bytes. */
    private static long rss(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } catch (java.io.IOException e) {
            // not Linux
        }
        return -1;
    }
}

package refiners.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;

/**
 * The detinit SD1 models in float16, as a refiners folder in the cache (what `convert --dtype f16` writes for real
 * weights), so float16 runs map half-size files instead of converting float32 weights in memory.
 */
final class HalfWeights {
    private HalfWeights() {}

    static SD1Weights folder() {
        Path dir = DetInit.cacheDirectory().resolve("detinit-v1-f16");
        SD1Models f32 = SD1Models.detinit();
        write(dir.resolve("text_encoder.safetensors"), f32.textEncoder().stateDict());
        write(dir.resolve("unet.safetensors"), f32.unet().stateDict());
        write(dir.resolve("autoencoder.safetensors"), f32.autoencoder().stateDict());
        return new SD1Weights(dir);
    }

    private static void write(Path file, Map<String, Tensor> weights) {
        if (Files.exists(file)) return; // written atomically: present means complete
        Map<String, SafeTensorsWriter.Entry> entries = new LinkedHashMap<>();
        weights.forEach((k, t) -> entries.put(k, new SafeTensorsWriter.Entry(DType.F16, t.shape(), () -> t.to(DType.F16))));
        System.out.println("writing float16 detinit weights (once) to " + file);
        SafeTensorsWriter.writeLazily(file, entries, Map.of("detinit", "v1", "dtype", "f16"));
    }
}

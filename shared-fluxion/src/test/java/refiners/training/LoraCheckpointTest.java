package refiners.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.FullSizeModels;
import refiners.conversion.LoraFile;
import refiners.conversion.LoraFormats;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/** Both checkpoint formats, UNet and text encoder LoRAs, any scale: read back by the LoRA loader as trained. */
@FullSizeModels
class LoraCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void refinersAndKohyaFilesReadBackThroughTheLoader() {
        SD1UNet unet = new SD1UNet(4);
        CLIPTextEncoderL te = new CLIPTextEncoderL();
        Map<String, long[]> unetKeys = unet.stateDictShapes(), teKeys = te.stateDictShapes();
        TrainableLoras u = TrainableLoras.install(unet, "unet", List.of("CrossAttentionBlock2d"), 3, 0.5);
        TrainableLoras t = TrainableLoras.install(te, "text_encoder", List.of("TransformerLayer"), 3, 0.5);
        Random rnd = new Random(4);
        for (TrainableLoras m : List.of(u, t))
            for (Parameter p : m.parameters()) for (int i = 0; i < p.value().length; i++) p.value()[i] = (float) rnd.nextGaussian();
        Path refiners = dir.resolve("a.safetensors"), kohya = dir.resolve("a-kohya.safetensors");
        LoraCheckpoint.writeRefiners(refiners, List.of(u, t), Map.of("steps", "7"));
        LoraCheckpoint.writeKohya(kohya, List.of(u, t), Map.of("steps", "7"));
        for (Path f : List.of(refiners, kohya)) {
            LoraFile file = LoraFormats.read(f, "a", unetKeys, teKeys);
            assertEquals(f == refiners ? "refiners" : "kohya", file.format());
            check(f + " unet", u, file.unet(), 0.5);
            check(f + " text encoder", t, file.textEncoder(), 0.5);
        }
    }

    private static void check(String what, TrainableLoras trained, Map<String, LoraFile.Layer> read, double scale) {
        assertEquals(trained.loras().keySet(), read.keySet(), what + ": targets");
        trained.loras().forEach((target, l) -> {
            LoraFile.Layer r = read.get(target);
            assertArrayEquals(l.down().value(), r.down().toFloatArray(), what + " " + target + " down");
            assertArrayEquals(l.up().value(), r.up().toFloatArray(), what + " " + target + " up");
            assertEquals(scale, r.factor(1.0), 1e-7, what + " " + target + " factor");
        });
    }
}

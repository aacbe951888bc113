package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.FullSizeModels;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Autoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;

/**
 * Full-size checkpoints written under the real external key names (diffusers folder, CompVis single file) from
 * detinit values load into models whose tensors equal those of the refiners-keyed models, bit for bit.
 */
@FullSizeModels
class CheckpointLoadingTest {
    @TempDir
    static Path dir;

    static Map<String, Tensor> clipSd, unetSd, ldaSd;

    @BeforeAll
    static void weights() {
        clipSd = DetInit.cachedStateDict("CLIPTextEncoderL", new CLIPTextEncoderL().stateDictShapes(), 3);
        unetSd = DetInit.cachedStateDict("SD1UNet", new SD1UNet(4).stateDictShapes(), 4);
        ldaSd = DetInit.cachedStateDict("SD1Autoencoder", new SD1Autoencoder().stateDictShapes(), 5);
    }

    /** The refiners-keyed tensors renamed to a table's external keys (the inverse map), reshaped as the table says. */
    static Map<String, SafeTensorsWriter.Entry> external(Map<String, Tensor> refiners, String table, String prefix) {
        Map<String, String> inverse = new LinkedHashMap<>();
        Map<String, String> ops = new LinkedHashMap<>();
        ModuleMap.load(table).modules().forEach((ext, e) -> {
            inverse.put(e.refinersModule(), ext);
            if (e.op() != null) ops.put(e.refinersModule(), e.op());
        });
        Map<String, SafeTensorsWriter.Entry> out = new LinkedHashMap<>();
        refiners.forEach((k, t) -> {
            String module = k.substring(0, k.lastIndexOf('.'));
            Tensor v = ModuleMap.CONV1X1_TO_LINEAR.equals(ops.get(module)) && t.rank() == 2 ? t.reshape(t.dim(0), t.dim(1), 1, 1) : t;
            out.put(prefix + inverse.get(module) + k.substring(k.lastIndexOf('.')), new SafeTensorsWriter.Entry(v.dtype(), v.shape(), () -> v));
        });
        return out;
    }

    /**
     * Every tensor of the loaded models equals the refiners-keyed one, bit for bit (same keys, dtype and bytes; shapes are
     * the models' own, checked on binding): the models are the same classes, so their outputs are equal too, without
     * compiling and running each full-size model twice.
     */
    private static void assertSameTensors(SD1Models loaded) {
        assertSameTensors(clipSd, loaded.textEncoder().stateDict(), "text encoder");
        assertSameTensors(unetSd, loaded.unet().stateDict(), "unet");
        assertSameTensors(ldaSd, loaded.autoencoder().stateDict(), "autoencoder");
    }

    static void assertSameTensors(Map<String, Tensor> expected, Map<String, Tensor> loaded, String model) {
        assertEquals(expected.keySet(), loaded.keySet(), model);
        loaded.forEach((k, t) -> {
            assertEquals(expected.get(k).dtype(), t.dtype(), model + " " + k);
            assertEquals(expected.get(k).data(), t.data(), model + " " + k);
        });
    }

    /**
     * Every loaded tensor maps the very bytes of the expected one: the same file (a hard link of it counts), offset and
     * length. For a folder of links to the files the expected tensors map, this says what comparing every byte says
     * (and that nothing was copied), without reading gigabytes.
     */
    static void assertSameMapping(Map<String, Tensor> expected, Map<String, Tensor> loaded, String model) {
        assertEquals(expected.keySet(), loaded.keySet(), model);
        loaded.forEach((k, t) -> {
            Tensor e = expected.get(k);
            assertEquals(e.dtype(), t.dtype(), model + " " + k);
            assertEquals(e.byteSize(), t.byteSize(), model + " " + k);
            assertNotNull(t.origin(), model + " " + k + " is not mapped from its file");
            assertEquals(e.origin().offset(), t.origin().offset(), model + " " + k);
            try {
                assertTrue(Files.isSameFile(e.origin().file(), t.origin().file()), model + " " + k + ": " + t.origin().file());
            } catch (java.io.IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
        });
    }

    @Test
    void diffusersFolder() {
        Path d = dir.resolve("sd15-diffusers");
        Map<String, SafeTensorsWriter.Entry> te = external(clipSd, "clip_text_l.transformers", "");
        Tensor positions = Tensor.ofLongs(new long[] {1, 77}, java.util.stream.LongStream.range(0, 77).toArray());
        te.put("text_model.embeddings.position_ids", new SafeTensorsWriter.Entry(DType.I64, positions.shape(), () -> positions));
        SafeTensorsWriter.writeLazily(d.resolve("text_encoder/model.safetensors"), te, Map.of());
        SafeTensorsWriter.writeLazily(d.resolve("unet/diffusion_pytorch_model.safetensors"), external(unetSd, "sd1_unet.diffusers", ""), Map.of());
        SafeTensorsWriter.writeLazily(d.resolve("vae/diffusion_pytorch_model.safetensors"), external(ldaSd, "sd1_autoencoder.diffusers", ""), Map.of());
        assertEquals(Checkpoints.Format.DIFFUSERS_FOLDER, Checkpoints.detect(d));
        assertSameTensors(SD1Models.load(new SD1Weights(d)));
    }

    @Test
    void compvisSingleFile() {
        Map<String, SafeTensorsWriter.Entry> all = new LinkedHashMap<>();
        all.putAll(external(unetSd, "sd1_unet.compvis", ""));
        all.putAll(external(ldaSd, "sd1_autoencoder.compvis", ""));
        all.putAll(external(clipSd, "clip_text_l.compvis", ""));
        Tensor schedule = Tensor.zeros(DType.F32, 1000);
        for (String k : List.of("alphas_cumprod", "betas", "model_ema.decay")) all.put(k, new SafeTensorsWriter.Entry(DType.F32, schedule.shape(), () -> schedule));
        Path f = dir.resolve("v1-5-pruned.safetensors");
        SafeTensorsWriter.writeLazily(f, all, Map.of());
        assertEquals(Checkpoints.Format.COMPVIS_FILE, Checkpoints.detect(f));
        SD1Models loaded = SD1Models.load(new SD1Weights(f));
        assertTrue(loaded.source().contains("COMPVIS"));
        assertSameTensors(loaded);
        // a service loading one model maps that model's tensors only
        assertEquals(196, Checkpoints.open(f, k -> k.startsWith("cond_stage_model.transformer.")).size());
    }

    @Test
    void mismatchesAreReportedTogether() {
        Map<String, Tensor> ext = new LinkedHashMap<>();
        ModuleMap map = ModuleMap.load("clip_text_l.transformers");
        clipSd.forEach((k, t) -> ext.put(external(Map.of(k, t), "clip_text_l.transformers", "").keySet().iterator().next(), t));
        ext.remove("text_model.final_layer_norm.bias");
        ext.put("text_model.extra.weight", Tensor.zeros(DType.F32, 3));
        ext.put("text_model.encoder.layers.0.mlp.fc1.bias", Tensor.zeros(DType.F32, 7));
        ConversionException e = assertThrows(ConversionException.class,
                () -> KeyConversion.convert("test file", ext, map, new CLIPTextEncoderL().stateDictShapes(), k -> false));
        String m = e.getMessage();
        assertTrue(m.contains("LayerNorm.bias") && m.contains("text_model.extra.weight") && m.contains("mlp.fc1.bias [7]"), m);
        assertTrue(m.contains("1 missing") && m.contains("1 unexpected") && m.contains("1 wrong shape"), m);
    }

    @Test
    void picklesAreRefusedWithTheReason() throws Exception {
        Path ckpt = Files.write(dir.resolve("model.ckpt"), new byte[] {(byte) 0x80, 2});
        ConversionException e = assertThrows(ConversionException.class, () -> SD1Models.load(new SD1Weights(ckpt)));
        assertTrue(e.getMessage().contains("arbitrary code") && e.getMessage().contains("safetensors"), e.getMessage());
        Path folder = dir.resolve("bin-only");
        Files.createDirectories(folder.resolve("unet"));
        Files.createDirectories(folder.resolve("vae"));
        Files.createDirectories(folder.resolve("text_encoder"));
        Files.write(folder.resolve("text_encoder/pytorch_model.bin"), new byte[] {1});
        Files.write(folder.resolve("unet/diffusion_pytorch_model.bin"), new byte[] {1});
        e = assertThrows(ConversionException.class, () -> SD1Models.load(new SD1Weights(folder)));
        assertTrue(e.getMessage().contains("pickle"), e.getMessage());
    }
}

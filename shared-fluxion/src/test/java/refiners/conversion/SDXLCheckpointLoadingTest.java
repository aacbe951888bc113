package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.FullSizeModels;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.DoubleTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLAutoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLModels;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;

/**
 * Full-size SDXL checkpoints written under the real external key names from detinit values (float16, as the published
 * fp16 variants) load into models whose tensors equal the refiners-keyed ones, bit for bit: a diffusers folder (fp16
 * variants, text_encoder_2 sharded with diffusers' variant index name), a single SGM file (OpenCLIP's fused in_proj and
 * transposed text_projection), a refiners folder. The UNet's tables are checked on layouts in SDXLKeyMapsTest (its
 * 5 GB in files would add little).
 */
@FullSizeModels
class SDXLCheckpointLoadingTest {
    @TempDir
    static Path dir;

    static Map<String, Tensor> textSd, ldaSd;

    @BeforeAll
    static void weights() {
        textSd = DetInit.cachedHalfStateDict("DoubleTextEncoder", new DoubleTextEncoder().stateDictShapes(), SDXLComponent.TEXT_ENCODER.detinitSeed);
        ldaSd = DetInit.cachedHalfStateDict("SDXLAutoencoder", new SDXLAutoencoder().stateDictShapes(), SDXLComponent.AUTOENCODER.detinitSeed);
    }

    /** The refiners tensors a table targets, under its external names. */
    private static Map<String, SafeTensorsWriter.Entry> external(Map<String, Tensor> sd, String table) {
        Map<String, Tensor> own = new LinkedHashMap<>();
        Map<String, String> targets = new LinkedHashMap<>();
        ModuleMap.load(table).modules().forEach((ext, e) -> targets.put(e.refinersModule(), ext));
        sd.forEach((k, t) -> { if (targets.containsKey(k.substring(0, k.lastIndexOf('.')))) own.put(k, t); });
        return CheckpointLoadingTest.external(own, table, "");
    }

    private static SafeTensorsWriter.Entry entry(Tensor t) {
        return new SafeTensorsWriter.Entry(t.dtype(), t.shape(), () -> t);
    }

    /** Tensors of the source layout our models do not use, which the loaders must drop, not refuse. */
    private static void addUnused(Map<String, SafeTensorsWriter.Entry> m, String clipPrefix) {
        SDXLSourceLayouts.transformersClip(clipPrefix, 768, 12, 3072, 0).forEach((k, s) -> {
            if (k.contains("layers.11.") || k.contains("final_layer_norm")) m.put(k, entry(Tensor.zeros(DType.F16, s)));
        });
        m.put(clipPrefix + "text_model.embeddings.position_ids", entry(Tensor.ofLongs(new long[] {1, 77}, java.util.stream.LongStream.range(0, 77).toArray())));
    }

    private static void assertSame(Map<String, Tensor> expected, Map<String, Tensor> loaded, String model) {
        CheckpointLoadingTest.assertSameTensors(expected, loaded, model);
    }

    @Test
    void diffusersFolderWithFp16VariantsAndShards() throws Exception {
        Path d = dir.resolve("sdxl-diffusers");
        Files.createDirectories(d.resolve("unet"));
        Map<String, SafeTensorsWriter.Entry> l = external(textSd, "sdxl_text_encoder_l.transformers");
        addUnused(l, "");
        SafeTensorsWriter.writeLazily(d.resolve("text_encoder/model.fp16.safetensors"), l, Map.of());
        // text_encoder_2 in two shards, indexed as transformers names a variant's index
        Map<String, SafeTensorsWriter.Entry> g = external(textSd, "sdxl_text_encoder_g.transformers"), first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        g.forEach((k, e) -> {
            boolean one = k.startsWith("text_model.embeddings") || k.matches("text_model\\.encoder\\.layers\\.[0-9]\\..*");
            (one ? first : second).put(k, e);
            index.append(index.charAt(index.length() - 1) == '{' ? "" : ", ").append('"').append(k).append("\": \"model.fp16-0000").append(one ? 1 : 2).append("-of-00002.safetensors\"");
        });
        SafeTensorsWriter.writeLazily(d.resolve("text_encoder_2/model.fp16-00001-of-00002.safetensors"), first, Map.of());
        SafeTensorsWriter.writeLazily(d.resolve("text_encoder_2/model.fp16-00002-of-00002.safetensors"), second, Map.of());
        Files.writeString(d.resolve("text_encoder_2/model.safetensors.index.fp16.json"), index.append("}}"));
        SafeTensorsWriter.writeLazily(d.resolve("vae/diffusion_pytorch_model.fp16.safetensors"), external(ldaSd, "sd1_autoencoder.diffusers"), Map.of());

        SDXLWeights weights = new SDXLWeights(d);
        assertTrue(SDXLConversion.isSdxl(d));
        assertSame(textSd, SDXLModels.textEncoder(weights).stateDict(), "text encoder");
        assertSame(ldaSd, SDXLModels.autoencoder(weights).stateDict(), "autoencoder");
        ConversionException sd1 = assertThrows(ConversionException.class, () -> SD1Models.autoencoder(new SD1Weights(d)));
        assertTrue(sd1.getMessage().contains("SDXL diffusers folder"), sd1.getMessage());
    }

    @Test
    void singleFileWithOpenClipLayout() {
        Map<String, SafeTensorsWriter.Entry> all = new LinkedHashMap<>(external(ldaSd, "sd1_autoencoder.compvis"));
        Map<String, SafeTensorsWriter.Entry> te = external(textSd, "sdxl_text_encoder.sgm");
        addUnused(te, "conditioner.embedders.0.transformer.");
        // back to OpenCLIP's own layout: q, k, v fused into in_proj, bare parameters, text_projection (in, out)
        String g = "conditioner.embedders.1.model.";
        for (int i = 0; i < 32; i++) for (String p : new String[] {"weight", "bias"}) {
            String a = g + "transformer.resblocks." + i + ".attn.in_proj_";
            java.util.List<Tensor> qkv = new java.util.ArrayList<>();
            for (String x : new String[] {"q", "k", "v"}) qkv.add(te.remove(a + x + "." + p).data().get());
            te.put(a + p, entry(Tensors.concat(qkv)));
        }
        te.put(g + "positional_embedding", te.remove(g + "positional_embedding.weight"));
        te.put(g + "text_projection", entry(Tensors.transpose(te.remove(g + "text_projection.weight").data().get())));
        te.put(g + "logit_scale", entry(Tensor.ofFloats(new long[0], 4.6f).to(DType.F16)));
        all.putAll(te);
        all.put("denoiser.sigmas", entry(Tensor.zeros(DType.F32, 1000)));
        Path f = dir.resolve("sd_xl_base_1.0.safetensors");
        SafeTensorsWriter.writeLazily(f, all, Map.of());

        assertTrue(SDXLConversion.isSdxl(f));
        SDXLWeights weights = new SDXLWeights(f);
        assertSame(textSd, SDXLModels.textEncoder(weights).stateDict(), "text encoder");
        assertSame(ldaSd, SDXLModels.autoencoder(weights).stateDict(), "autoencoder");
        ConversionException sd1 = assertThrows(ConversionException.class, () -> SD1Models.autoencoder(new SD1Weights(f)));
        assertTrue(sd1.getMessage().contains("SDXL checkpoint"), sd1.getMessage());
    }

    @Test
    void refinersFolderAndTheOtherFamilysFilesAreToldApart() throws Exception {
        Path d = Files.createDirectories(dir.resolve("sdxl-refiners"));
        Files.createLink(d.resolve("text_encoder.safetensors"), DetInit.cachedFile("DoubleTextEncoder", new DoubleTextEncoder().stateDictShapes(), 30));
        Files.createLink(d.resolve("unet.safetensors"), DetInit.cachedFile("SDXLUNet", new SDXLUNet(4).stateDictShapes(), 31));
        Files.createLink(d.resolve("autoencoder.safetensors"), DetInit.cachedFile("SDXLAutoencoder", new SDXLAutoencoder().stateDictShapes(), 32));
        assertTrue(SDXLConversion.isSdxl(d));
        SDXLModels models = SDXLModels.load(new SDXLWeights(d));
        SDXLModels detinit = SDXLModels.detinit();
        CheckpointLoadingTest.assertSameMapping(detinit.textEncoder().stateDict(), models.textEncoder().stateDict(), "text encoder");
        CheckpointLoadingTest.assertSameMapping(detinit.unet().stateDict(), models.unet().stateDict(), "unet");
        CheckpointLoadingTest.assertSameMapping(detinit.autoencoder().stateDict(), models.autoencoder().stateDict(), "autoencoder");

        Path sd1 = Files.createDirectories(dir.resolve("sd1-refiners"));
        Files.createLink(sd1.resolve("unet.safetensors"), DetInit.cachedFile("SD1UNet", new refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet(4).stateDictShapes(), 4));
        assertTrue(!SDXLConversion.isSdxl(sd1));
        ConversionException e = assertThrows(ConversionException.class, () -> SDXLModels.unet(new SDXLWeights(sd1)));
        assertTrue(e.getMessage().startsWith("not SDXL weights?"), e.getMessage());

        Path sd1File = dir.resolve("v1-5.safetensors");
        SafeTensorsWriter.write(sd1File, Map.of("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", Tensor.zeros(DType.F16, 2, 2)));
        e = assertThrows(ConversionException.class, () -> SDXLModels.textEncoder(new SDXLWeights(sd1File)));
        assertTrue(e.getMessage().contains("SD 1.x checkpoint"), e.getMessage());
    }
}

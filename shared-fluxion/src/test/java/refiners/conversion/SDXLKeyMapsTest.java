package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Autoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.DoubleTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLAutoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLUNet;

/**
 * The SDXL key tables against the source layouts as their architectures define them ({@link SDXLSourceLayouts}): every
 * refiners key gets exactly one tensor of its shape, and only the tensors the models do not use are left out. The
 * tensors are views of a sparse file, so full-size layouts cost no memory.
 */
class SDXLKeyMapsTest {
    @TempDir
    static Path dir;

    static ByteBuffer zeros;
    static Map<String, long[]> textEncoder, unet;

    @BeforeAll
    static void setUp() throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("sparse").toFile(), "rw")) {
            f.setLength(VOCAB_BYTES);
            zeros = f.getChannel().map(FileChannel.MapMode.READ_ONLY, 0, VOCAB_BYTES);
        }
        textEncoder = new DoubleTextEncoder().stateDictShapes();
        unet = new SDXLUNet(4).stateDictShapes();
    }

    /** The largest tensor: G's token embedding in float32. */
    private static final long VOCAB_BYTES = SDXLSourceLayouts.VOCAB * 1280 * 4;

    static Map<String, Tensor> tensors(Map<String, long[]> shapes) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        shapes.forEach((k, s) -> out.put(k, new Tensor(DType.F32, s, zeros.duplicate().limit((int) (Tensor.numel(s) * 4)).slice())));
        return out;
    }

    /** The expected keys whose modules a table targets. */
    static Map<String, long[]> targetedBy(String table, Map<String, long[]> expected) {
        Set<String> targets = ModuleMap.load(table).modules().values().stream().map(ModuleMap.Entry::refinersModule).collect(Collectors.toSet());
        Map<String, long[]> out = new LinkedHashMap<>();
        expected.forEach((k, s) -> { if (targets.contains(k.substring(0, k.lastIndexOf('.')))) out.put(k, s); });
        return out;
    }

    @Test
    void transformersTextEncodersCoverTheDoubleTextEncoder() {
        Map<String, long[]> l = SDXLSourceLayouts.transformersClip("", 768, 12, 3072, 0), g = SDXLSourceLayouts.transformersClip("", 1280, 32, 5120, 1280);
        KeyConversion.Result rl = KeyConversion.convert("text_encoder", tensors(l), ModuleMap.load("sdxl_text_encoder_l.transformers"),
                targetedBy("sdxl_text_encoder_l.transformers", textEncoder), SDXLConversion.UNUSED);
        KeyConversion.Result rg = KeyConversion.convert("text_encoder_2", tensors(g), ModuleMap.load("sdxl_text_encoder_g.transformers"),
                targetedBy("sdxl_text_encoder_g.transformers", textEncoder), SDXLConversion.UNUSED);
        assertEquals(textEncoder.size(), rl.tensors().size() + rg.tensors().size(), "the two parts together cover every key once");
        assertEquals(16 + 2, rl.dropped().size(), "CLIP-L's last layer and final norm only: " + rl.dropped());
        assertEquals(List.of(), rg.dropped());
        assertEquals(178, rl.tensors().size());
    }

    @Test
    void singleFileTextEncodersCoverTheDoubleTextEncoder() {
        Map<String, long[]> sgm = new LinkedHashMap<>(SDXLSourceLayouts.transformersClip("conditioner.embedders.0.transformer.", 768, 12, 3072, 0));
        sgm.putAll(SDXLSourceLayouts.openClip("conditioner.embedders.1.model.", 1280, 32, 5120));
        Map<String, Tensor> unfused = OpenCLIPKeys.unfuse(tensors(sgm), "conditioner.embedders.1.model.");
        KeyConversion.Result r = KeyConversion.convert("single file", unfused, ModuleMap.load("sdxl_text_encoder.sgm"), textEncoder, SDXLConversion.SINGLE_FILE_EXTRAS);
        assertEquals(textEncoder.size(), r.tensors().size());
        assertEquals(16 + 2 + 1, r.dropped().size(), r.dropped().toString());
        assertTrue(r.dropped().contains("conditioner.embedders.1.model.logit_scale"));
    }

    @Test
    void openClipProjectionsAreSplitInQkvOrderAndTheTextProjectionTransposed() {
        Tensor inProj = Tensor.ofFloats(new long[] {6, 2}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        Tensor projection = Tensor.ofFloats(new long[] {2, 3}, 1, 2, 3, 4, 5, 6);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("p.transformer.resblocks.0.attn.in_proj_weight", inProj);
        in.put("p.text_projection", projection);
        Map<String, Tensor> out = OpenCLIPKeys.unfuse(in, "p.");
        assertArrayEquals(new float[] {0, 1, 2, 3}, out.get("p.transformer.resblocks.0.attn.in_proj_q.weight").toFloatArray());
        assertArrayEquals(new float[] {4, 5, 6, 7}, out.get("p.transformer.resblocks.0.attn.in_proj_k.weight").toFloatArray());
        assertArrayEquals(new float[] {8, 9, 10, 11}, out.get("p.transformer.resblocks.0.attn.in_proj_v.weight").toFloatArray());
        ModuleMap map = ModuleMap.load("sdxl_text_encoder.sgm");
        String target = map.refinersKey("conditioner.embedders.1.model.text_projection.weight");
        KeyConversion.Result r = KeyConversion.convert("t", Map.of("conditioner.embedders.1.model.text_projection.weight", projection), map,
                Map.of(target, new long[] {3, 2}), k -> false);
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, r.tensors().get(target).toFloatArray(), "x @ P == Linear(weight = P^T)");
    }

    @Test
    void singleFileUnetCoversTheSdxlUnet() {
        Map<String, long[]> sgm = SDXLSourceLayouts.sgmUnet("model.diffusion_model.");
        KeyConversion.Result r = KeyConversion.convert("single file", tensors(sgm), ModuleMap.load("sdxl_unet.sgm"), unet, k -> false);
        assertEquals(unet.size(), r.tensors().size());
        assertEquals(unet.size(), sgm.size(), "nothing left over");
    }

    @Test
    void singleFileUnetTableIsTheDiffusersTableUnderSgmNames() {
        ModuleMap d = ModuleMap.load("sdxl_unet.diffusers"), s = ModuleMap.load("sdxl_unet.sgm");
        assertEquals(d.modules().values().stream().map(ModuleMap.Entry::refinersModule).collect(Collectors.toSet()),
                s.modules().values().stream().map(ModuleMap.Entry::refinersModule).collect(Collectors.toSet()));
        assertEquals(d.modules().size(), s.modules().size());
    }

    @Test
    void theAutoencoderHasSd1sKeysSoItUsesSd1sTables() {
        Map<String, long[]> xl = new SDXLAutoencoder().stateDictShapes(), sd1 = new SD1Autoencoder().stateDictShapes();
        assertEquals(sd1.keySet(), xl.keySet());
        sd1.forEach((k, s) -> assertArrayEquals(s, xl.get(k), k));
    }
}

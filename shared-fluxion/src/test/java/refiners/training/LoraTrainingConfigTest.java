package refiners.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The finetune-lora TOML config: the example of docs/training.md parses, and bad input is an error naming the key. */
class LoraTrainingConfigTest {
    private static LoraTrainingConfig parse(String toml) throws Exception {
        return LoraTrainingConfig.parse(new TomlMapper().readTree(toml), Path.of("/base"));
    }

    @Test
    void documentedExampleParses() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "training.md"));
        int section = doc.indexOf("## The config");
        assertTrue(section >= 0, "docs/training.md has a 'The config' section");
        int start = doc.indexOf("```toml", section) + "```toml".length(), end = doc.indexOf("```", start);
        LoraTrainingConfig c = parse(doc.substring(start, end));
        assertEquals(16, c.lora().rank());
        assertEquals(List.of("CrossAttentionBlock2d"), c.lora().unetTargets());
        assertEquals("AdamW", c.optimizer().optimizer());
        assertTrue(c.dataset().folder().isAbsolute());
    }

    @Test
    void defaults() throws Exception {
        LoraTrainingConfig c = parse("[dataset]\nfolder = \"images\"\n");
        assertEquals(Path.of("/base/images"), c.dataset().folder());
        assertEquals(32, c.lora().rank());
        assertEquals(0.2, c.latentDiffusion().unconditionalSamplingProbability());
        assertEquals(512, c.dataset().resolution());
        assertEquals("ConstantLR", c.scheduler().schedulerType());
    }

    @Test
    void errorsNameTheKey() {
        assertError("[dataset]\nfolder = \"x\"\n[training]\nbatchsize = 2\n", "unknown key training.batchsize");
        assertError("[dataset]\nfolder = \"x\"\n[training]\nbatch_size = 0\n", "training.batch_size must be >= 1, got 0");
        assertError("[dataset]\nfolder = \"x\"\n[training]\nbatch_size = \"two\"\n", "training.batch_size must be an integer");
        assertError("[dataset]\nfolder = \"x\"\n[training]\nduration = \"10:hours\"\n", "training.duration: unknown unit 'hours'");
        assertError("[dataset]\nfolder = \"x\"\n[optimizer]\noptimizer = \"Prodigy\"\n", "optimizer.optimizer: 'Prodigy' is not supported");
        assertError("[dataset]\nfolder = \"x\"\n[latent_diffusion]\noffset_noise = -1\n", "latent_diffusion.offset_noise must be in");
        assertError("[dataset]\nfolder = \"x\"\n[wandb]\nmode = \"offline\"\n", "[wandb] is not supported");
        assertError("[dataset]\nfolder = \"x\"\n[trainig]\nseed = 1\n", "unknown section(s) [trainig]");
        assertError("[dataset]\nhf_repo = \"acme/images\"\n", "dataset.hf_repo");
        assertError("[lora]\nrank = 4\n", "dataset.folder is required");
        assertError("[dataset]\nfolder = \"x\"\n[lora]\nunet_targets = []\n", "nothing to train");
        assertError("[dataset]\nfolder = \"x\"\n[dropout]\ndropout_probability = 0.1\n", "dropout.dropout_probability");
        assertError("[dataset]\nfolder = \"x\"\n[models]\nunet = {checkpoint = \"u.safetensors\"}\n", "go together");
    }

    private static void assertError(String toml, String expected) {
        var e = assertThrows(IllegalArgumentException.class, () -> parse(toml));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}

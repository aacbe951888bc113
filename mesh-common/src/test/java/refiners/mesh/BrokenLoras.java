package refiners.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensorsWriter;

/**
 * LoRA files that cannot be used, written into the test LoRA directory (%test.refiners.lora-dir): "truncated" (a
 * valid LoRA cut short), which a service must refuse with FAILED_PRECONDITION, and "sdxl" (an SDXL LoRA), the request's
 * mistake on SD 1.5: INVALID_ARGUMENT. Both name the request field and the LoRA by its name, never the server's path.
 */
public final class BrokenLoras {
    public static final Path DIR = Path.of("target/test-loras");

    private BrokenLoras() {}

    public static void write() throws IOException {
        Files.createDirectories(DIR);
        String layer = "text_encoder.TransformerLayer_4.Residual_1.SelfAttention.Distribute.Linear_3";
        Map<String, Tensor> lora = new LinkedHashMap<>();
        lora.put(layer + ".down.weight", DetInit.tensor("down", new long[] {4, 768}, 9));
        lora.put(layer + ".up.weight", DetInit.tensor("up", new long[] {768, 4}, 9));
        Path whole = DIR.resolve("whole.tmp");
        SafeTensorsWriter.write(whole, lora);
        byte[] bytes = Files.readAllBytes(whole);
        Files.write(DIR.resolve("truncated.safetensors"), Arrays.copyOf(bytes, bytes.length / 2));
        Files.delete(whole);
        SafeTensorsWriter.write(DIR.resolve("sdxl.safetensors"), Map.of(
                "lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", DetInit.tensor("d", new long[] {4, 1280}, 9),
                "lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", DetInit.tensor("u", new long[] {1280, 4}, 9)));
    }

    /** The refusal of a broken LoRA requested as {@code field}. */
    public static void assertRefused(StatusRuntimeException e, String field, String name) {
        assertRefused(e, field, "LoRA", name, DIR);
    }

    /** The refusal of an SDXL LoRA named for SD 1.5 as {@code field}. */
    public static void assertForAnotherFamily(StatusRuntimeException e, String field, String name) {
        String d = e.getStatus().getDescription();
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), d);
        assertTrue(d.startsWith(field + ": LoRA '" + name + "' is not for this model: "), d);
        assertFalse(d.contains(DIR.toAbsolutePath().toString()) || d.contains(DIR.toString()), "a server path in: " + d);
    }

    /** The refusal of a broken file of {@code dir} ({@code what}: "LoRA", "ControlNet") requested as {@code field}. */
    public static void assertRefused(StatusRuntimeException e, String field, String what, String name, Path dir) {
        String d = e.getStatus().getDescription();
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), d);
        assertTrue(d.startsWith(field + ": " + what + " '" + name + "' cannot be used: "), d);
        assertFalse(d.contains(dir.toAbsolutePath().toString()) || d.contains(dir.toString()), "a server path in: " + d);
    }
}

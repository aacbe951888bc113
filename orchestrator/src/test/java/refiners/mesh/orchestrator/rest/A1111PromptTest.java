package refiners.mesh.orchestrator.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.proto.common.v1.LoraWeight;

/** A1111's extra-network tags: LoRAs out of the prompt, in order, the text around them left as A1111 leaves it. */
class A1111PromptTest {
    @Test
    void loraTagsBecomeTheLoraListAndLeaveThePrompt() {
        A1111Prompt p = A1111Prompt.parse("a fox <lora:style:0.8>, <lyco:lcm> in snow<hypernet:x:1>");
        assertEquals("a fox ,  in snow", p.text());
        assertEquals(List.of("style", "lcm"), p.loras().stream().map(LoraWeight::getName).toList());
        assertEquals(0.8f, p.loras().get(0).getScale());
        assertFalse(p.loras().get(1).hasScale(), "<lora:name>: the LoRA as trained");
        assertEquals("a fox", A1111Prompt.parse("a fox").text());
        assertEquals("", A1111Prompt.parse(null).text());
    }

    @Test
    void aTagWeCannotHonourIsRefusedNamingThePrompt() {
        for (String prompt : List.of("<lora:style:much>", "<lora:style:0.5:1>"))
            assertEquals("prompt", ErrorBody.of(assertThrows(StatusRuntimeException.class, () -> A1111Prompt.parse(prompt)).getStatus()).field(), prompt);
    }

    @Test
    void ourFieldNamesBecomeA1111sAndItsLoc() {
        assertEquals("cfg_scale", A1111Error.renamed("guidance_scale"));
        assertEquals("init_images[0]", A1111Error.renamed("init_image"));
        assertEquals("prompt", A1111Error.renamed("loras[1].scale"));
        assertEquals("steps", A1111Error.renamed("steps"));
        assertEquals(List.of("body", "init_images", 0), A1111Error.loc("init_images[0]"));
        assertEquals(List.of("body"), A1111Error.loc("body"));
    }
}

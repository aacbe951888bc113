package refiners.mesh.orchestrator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GenerateCliTest {
    @Test
    void optionsFillTheRequestAndLeaveTheRestUnset() {
        var o = GenerateCli.Options.parse(new String[] {"--prompt", "a fox", "--steps", "4", "--lora", "style=0.5", "--lora", "ink",
                "--out", "fox.png", "--address", "h:1"});
        assertEquals("a fox", o.request.getPrompt());
        assertEquals(4, o.request.getSteps());
        assertEquals("style", o.request.getLoras(0).getName());
        assertEquals(0.5f, o.request.getLoras(0).getScale());
        assertEquals(1f, o.request.getLoras(1).getScale());
        assertEquals(Path.of("fox.png"), o.out);
        assertEquals("h:1", o.address);
        assertTrue(!o.request.hasWidth() && !o.request.hasSeed() && !o.request.hasGuidanceScale());
    }

    @Test
    void badUsageExitsWith2() {
        assertThrows(IllegalArgumentException.class, () -> GenerateCli.Options.parse(new String[] {"--steps", "many"}));
        assertThrows(IllegalArgumentException.class, () -> GenerateCli.Options.parse(new String[] {"--bogus", "1"}));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, GenerateCli.run(new String[] {"--steps"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err)));
        assertTrue(err.toString().contains("usage:"));
    }

    @Test
    void anUnreachableOrchestratorIsReportedAsAnError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = GenerateCli.run(new String[] {"--address", "127.0.0.1:1", "--deadline", "20"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
        assertEquals(1, code);
        assertTrue(err.toString().startsWith("error: UNAVAILABLE"), err.toString());
    }
}

package refiners.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.fluxion.InvalidRequestException;
import refiners.options.Args;

class ClientCommandTest {
    static Args args(String... a) {
        return new Args(a, List.of(), GenerationOptions.with("address", "deadline"));
    }

    @Test
    void optionsFillTheRequestAndLeaveTheRestUnset() {
        Args a = args("--prompt", "a fox", "--negative-prompt", "blurry", "--steps", "4", "--lora", "style=0.5", "--lora", "ink",
                "--out", "fox.png", "--address", "h:1");
        var r = GenerationOptions.request(a);
        assertEquals("a fox", r.getPrompt());
        assertEquals("blurry", r.getNegativePrompt());
        assertEquals(4, r.getSteps());
        assertEquals("style", r.getLoras(0).getName());
        assertEquals(0.5f, r.getLoras(0).getScale());
        assertTrue(!r.getLoras(1).hasScale(), "a LoRA without a scale leaves it unset: the service applies it as trained");
        assertEquals(Path.of("fox.png"), GenerationOptions.out(a));
        assertEquals("h:1", a.get("address", null));
        assertTrue(!r.hasWidth() && !r.hasSeed() && !r.hasGuidanceScale());
    }

    @Test
    void solverOptionsAreTheWireFields() {
        var r = GenerationOptions.request(args("--solver", "dpm", "--timesteps-spacing", "trailing", "--timesteps-offset", "0", "--noise-schedule", "uniform",
                "--sigma-schedule", "karras", "--sde-variance", "1", "--last-step-first-order", "true"));
        assertEquals(refiners.proto.orchestrator.v1.GenerateRequest.newBuilder().setSolver("dpm").setTimestepsSpacing("trailing").setTimestepsOffset(0)
                .setNoiseSchedule("uniform").setSigmaSchedule("karras").setSdeVariance(1).setLastStepFirstOrder(true).build(), r);
        assertTrue(!GenerationOptions.request(args("--solver", "lcm")).hasSdeVariance());
        assertThrows(IllegalArgumentException.class, () -> GenerationOptions.request(args("--last-step-first-order", "yes")));
        assertEquals("sigma_schedule", assertThrows(InvalidRequestException.class,
                () -> GenerationOptions.generation(args("--solver", "lcm", "--guidance", "1", "--sigma-schedule", "karras"), Long.MAX_VALUE)).field());
    }

    @Test
    void imagePromptOptionsAreTheWireFields(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path plain = java.nio.file.Files.write(dir.resolve("a.png"), new byte[] {1, 2}), colon = java.nio.file.Files.write(dir.resolve("b:c.png"), new byte[] {3});
        var r = GenerationOptions.request(args("--image-prompt", plain + ":0.5", "--image-prompt", colon.toString(), "--ip-adapter", "plus", "--ip-adapter-scale", "0.7"));
        assertEquals(refiners.proto.orchestrator.v1.GenerateRequest.newBuilder()
                .addImagePrompts(refiners.proto.orchestrator.v1.ImagePrompt.newBuilder().setImage(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2})).setScale(0.5))
                .addImagePrompts(refiners.proto.orchestrator.v1.ImagePrompt.newBuilder().setImage(com.google.protobuf.ByteString.copyFrom(new byte[] {3})))
                .setIpAdapter("plus").setIpAdapterScale(0.7).build(), r);
        assertThrows(IllegalArgumentException.class, () -> GenerationOptions.request(args("--image-prompt", dir.resolve("missing.png") + ":0.5")));
    }

    @Test
    void referenceOptionsAreTheWireFields(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path ref = java.nio.file.Files.write(dir.resolve("ref.png"), new byte[] {7, 8});
        assertEquals(refiners.proto.orchestrator.v1.GenerateRequest.newBuilder().setReferenceImage(com.google.protobuf.ByteString.copyFrom(new byte[] {7, 8}))
                .setReferenceStyleCfg(0.25).build(), GenerationOptions.request(args("--reference-image", ref.toString(), "--reference-style-cfg", "0.25")));
        var e = assertThrows(IllegalArgumentException.class, () -> GenerationOptions.request(args("--reference-image", dir.resolve("missing.png").toString())));
        assertTrue(e.getMessage().contains("--reference-image"), e.getMessage());
    }

    @Test
    void bothGenerateCommandsShareTheOptionsAndTheMeshDefaults() {
        var g = GenerationOptions.generation(new Args(new String[] {"--prompt", "a fox", "--seed", "3"}, List.of(),
                GenerationOptions.with("weights", "lora-dir", "threads")), Long.MAX_VALUE);
        assertEquals(30, g.steps());
        assertEquals(512, g.width());
        assertEquals(3, g.seed());
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> GenerationOptions.generation(args("--steps", "0"), Long.MAX_VALUE));
        assertEquals("steps", e.field());
    }

    @Test
    void imagesAreReadAndControlnetsParsedFromTheRight(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path img = java.nio.file.Files.write(dir.resolve("a:b.png"), new byte[] {1, 2, 3});
        var r = GenerationOptions.request(args("--init-image", img.toString(), "--strength", "0.6", "--mask", img.toString(),
                "--controlnet", "canny=" + img + ":0.8:0.825:canny", "--controlnet", "depth=" + img + ":0.5", "--controlnet", "edges=" + img));
        assertEquals(3, r.getInitImage().size());
        assertEquals(0.6, r.getStrength());
        assertEquals(3, r.getMask().size());
        var canny = r.getControlnets(0);
        assertEquals("canny", canny.getName());
        assertEquals(0.8, canny.getScale());
        assertEquals(0.825, canny.getScaleDecay());
        assertEquals("canny", canny.getPreprocess());
        assertEquals(3, canny.getImage().size());
        assertEquals(0.5, r.getControlnets(1).getScale());
        assertTrue(!r.getControlnets(1).hasScaleDecay() && r.getControlnets(1).getPreprocess().isEmpty());
        assertTrue(!r.getControlnets(2).hasScale());
        assertEquals(List.of("canny", "depth"), GenerationOptions.controlnetNames(new String[] {"--controlnet", "canny=x.png", "--controlnet=depth=y.png:1"}));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> GenerationOptions.request(args("--init-image", dir.resolve("none.png").toString())));
        assertTrue(missing.getMessage().startsWith("--init-image: cannot read"), missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GenerationOptions.request(args("--controlnet", "canny")));
    }

    @Test
    void badUsageExitsWith2() {
        assertThrows(IllegalArgumentException.class, () -> GenerationOptions.request(args("--steps", "many")));
        assertThrows(IllegalArgumentException.class, () -> args("--bogus", "1"));
        assertThrows(IllegalArgumentException.class, () -> args("--negative", "x")); // one name for it: --negative-prompt
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, ClientCommand.run(new String[] {"--steps"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err)));
        assertTrue(err.toString().contains("usage:"));
    }

    @Test
    void anUnreachableOrchestratorIsReportedAsAnError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ClientCommand.run(new String[] {"--address", "127.0.0.1:1", "--deadline", "20"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
        assertEquals(1, code);
        assertTrue(err.toString().startsWith("error: UNAVAILABLE"), err.toString());
    }
}

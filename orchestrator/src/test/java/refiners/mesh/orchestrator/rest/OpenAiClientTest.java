package refiners.mesh.orchestrator.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.awt.image.BufferedImage;
import java.io.File;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The official openai npm client (src/test/js/openai, installed by `npm ci` there: .ci/run does it) against the OpenAI
 * routes, on the fake stages (refiners.mesh.orchestrator.fake): generations with n=2, an edit, a refused field.
 */
@QuarkusTest
class OpenAiClientTest {
    private static final Path PACKAGE = Path.of("src/test/js/openai");

    @TestHTTPResource("/v1")
    URL v1;

    @Test
    void theOpenAiNpmClientGeneratesEditsAndSeesErrors() throws Exception {
        assertTrue(Files.isDirectory(PACKAGE.resolve("node_modules/openai")),
                "the openai client is not installed: run `npm ci --prefix orchestrator/src/test/js/openai` (.ci/run does)");
        Path dir = Files.createDirectories(Path.of("target/openai-client"));
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB), mask = new BufferedImage(64, 64, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, 0xff808080);
                mask.setRGB(x, y, x < 32 ? 0x00000000 : 0xff000000); // the left half transparent: edited
            }
        ImageIO.write(image, "png", dir.resolve("image.png").toFile());
        ImageIO.write(mask, "png", dir.resolve("mask.png").toFile());
        File log = dir.resolve("node.log").toFile();
        Process node = new ProcessBuilder("node", "images.test.mjs", v1.toString(), dir.resolve("image.png").toAbsolutePath().toString(),
                dir.resolve("mask.png").toAbsolutePath().toString()).directory(PACKAGE.toFile()).redirectErrorStream(true).redirectOutput(log).start();
        assertTrue(node.waitFor(3, TimeUnit.MINUTES), "node did not finish");
        assertEquals(0, node.exitValue(), Files.readString(log.toPath(), StandardCharsets.UTF_8));
    }
}

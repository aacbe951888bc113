package refiners.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** refiners cache: lists the cache folder, prunes obsolete layouts (and detinit files when asked); convert's --nchwc and --quantize. */
class CacheCommandTest {
    @Test
    void listsAndPrunesTheCacheFolder(@TempDir Path dir) throws Exception {
        String previous = System.getProperty("refiners.cache");
        System.setProperty("refiners.cache", dir.toString());
        try {
            Files.write(Files.createDirectories(dir.resolve("detinit-v1")).resolve("SD1UNet-seed4.safetensors"), new byte[3000]);
            Files.write(Files.createDirectories(dir.resolve("nchwc-v1/b16/x")).resolve("0-16x16x3x3.f32"), new byte[2000]);
            String listed = run("list");
            assertTrue(listed.contains("detinit-v1/SD1UNet-seed4.safetensors") && listed.contains("nchwc-v1"), listed);
            String pruned = run("prune");
            assertTrue(pruned.contains("removed " + dir.resolve("nchwc-v1")), pruned);
            assertFalse(Files.exists(dir.resolve("nchwc-v1")));
            assertTrue(Files.exists(dir.resolve("detinit-v1/SD1UNet-seed4.safetensors")), "detinit files stay unless asked");
            run("prune", "--detinit");
            assertFalse(Files.exists(dir.resolve("detinit-v1")));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> run("prune", "--max-size", "lots")).getMessage().contains("--max-size"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> run("wipe")).getMessage().contains("wipe"));
        } finally {
            if (previous == null) System.clearProperty("refiners.cache");
            else System.setProperty("refiners.cache", previous);
        }
    }

    @Test
    void convertWritesCopiesForTheBlocksAsked() {
        assertEquals(List.of(), ConvertCommand.blocks("none"));
        assertEquals(List.of(8, 16), ConvertCommand.blocks("8,16"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ConvertCommand.blocks("4")).getMessage().contains("--nchwc"));
    }

    @Test
    void convertWritesInt8WeightsOnlyWhenAsked() {
        assertTrue(ConvertCommand.int8("int8"));
        assertFalse(ConvertCommand.int8("none"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ConvertCommand.int8("int4")).getMessage().contains("--quantize"));
    }

    private static String run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, CacheCommand.run(args, new PrintStream(out, true, "UTF-8")));
        return out.toString("UTF-8");
    }
}

package refiners.conversion;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.fluxion.InvalidRequestException;

class WeightsDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void namesThatCouldLeaveTheDirectoryAreRefused() {
        WeightsDirectory d = new WeightsDirectory(tmp, "LoRA");
        for (String bad : List.of("", "../x", "..", "a/b", "a\\b", "/etc/passwd", "~root", "x\0y", "c:x", "a..b", ".hidden", "ü", "x".repeat(129))) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> d.checkName(bad, "loras[0].name"), bad);
            assertEquals("loras[0].name", e.field());
        }
        for (String good : List.of("style", "pokemon-v2", "my_lora.v1", "A+B", "x".repeat(128)))
            assertDoesNotThrow(() -> d.checkName(good, "name"), good);
    }

    @Test
    void filesAreFoundByNameAndLinksOutsideAreRefused() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("loras"));
        Files.write(dir.resolve("style.safetensors"), new byte[8]);
        Path outside = Files.write(tmp.resolve("secret.safetensors"), new byte[8]);
        Files.createSymbolicLink(dir.resolve("escape.safetensors"), outside);
        Files.createSymbolicLink(dir.resolve("alias.safetensors"), dir.resolve("style.safetensors"));
        WeightsDirectory d = new WeightsDirectory(dir, "LoRA");
        assertEquals(dir.resolve("style.safetensors").toAbsolutePath(), d.file("style", "name"));
        assertEquals(List.of("alias", "style"), d.names());
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> d.file("escape", "name"));
        assertFalse(e.getMessage().contains(tmp.toString()), "no server path in " + e.getMessage());
        WeightsDirectory.NotFoundException nf = assertThrows(WeightsDirectory.NotFoundException.class, () -> d.file("missing", "name"));
        assertTrue(nf.getMessage().contains("'missing'") && !nf.getMessage().contains(tmp.toString()), nf.getMessage());
    }

    @Test
    void aFileTheReaderRefusesIsNamedByItsNameWithoutTheServerPath() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("loras"));
        Files.write(dir.resolve("broken.safetensors"), new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0, '{'});
        WeightsDirectory d = new WeightsDirectory(dir, "LoRA");
        WeightsDirectory.UnusableFileException e = assertThrows(WeightsDirectory.UnusableFileException.class,
                () -> d.read("broken", "loras[1].name", refiners.fluxion.safetensors.SafeTensors::open));
        assertTrue(e.getMessage().startsWith("loras[1].name: LoRA 'broken' cannot be used: header length 255 does not fit"), e.getMessage());
        assertFalse(e.getMessage().contains(tmp.toString()), "no server path in " + e.getMessage());
        assertTrue(e.getCause().getMessage().contains(dir.toString()), "the cause keeps the path for the log");
        assertThrows(WeightsDirectory.NotFoundException.class, () -> d.read("missing", "name", refiners.fluxion.safetensors.SafeTensors::open));
    }

    @Test
    void aFileForTheOtherModelFamilyIsTheRequestsMistakeNamingTheField() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("loras"));
        Path f = Files.write(dir.resolve("xl.safetensors"), new byte[8]);
        WeightsDirectory d = new WeightsDirectory(dir, "LoRA");
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> d.read("xl", "loras[0].name", p -> {
            throw new OtherFamilyException(p + " is a LoRA for another architecture: it does not fit SD 1.x");
        }));
        assertEquals("loras[0].name", e.field());
        assertEquals("loras[0].name: LoRA 'xl' is not for this model: xl.safetensors is a LoRA for another architecture: it does not fit SD 1.x", e.getMessage());
        assertTrue(e.getCause().getMessage().contains(f.toString()), "the cause keeps the path");
    }
}

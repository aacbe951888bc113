package refiners;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library takes its settings as arguments: its main code reads no environment variable or system property and
 * names no deployment variable, except in the one documented place, the cache folder and its size limit
 * (DetInit.cacheDirectory, DetInit.cacheLimit).
 */
class EnvironmentReadsTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path THE_ONE_PLACE = SOURCES.resolve("refiners/fluxion/DetInit.java");
    private static final Pattern READ = Pattern.compile("System\\.(getenv|getProperty|getProperties)\\b|\"REFINERS_");

    @Test
    void onlyTheCacheFolderReadsTheEnvironment() throws IOException {
        List<Path> readers = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList())
                if (READ.matcher(Files.readString(f)).find()) readers.add(f);
        }
        assertEquals(List.of(THE_ONE_PLACE), readers);
    }
}

package refiners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The one-way order of shared-fluxion's packages, read from the main sources: the framework (refiners.fluxion) knows
 * no model, conversion or training; conversion knows no model; layers declare and never run (sessions belong to
 * refiners.fluxion.runtime, which runs layers).
 */
class PackageOrderTest {
    private static final Path SOURCES = Path.of("src/main/java");
    /** A package (and its subpackages) and the packages it must not use. */
    private static final Map<String, List<String>> FORBIDDEN = Map.of(
            "refiners.fluxion", List.of("refiners.foundationals", "refiners.conversion", "refiners.training"),
            "refiners.conversion", List.of("refiners.foundationals", "refiners.training"),
            "refiners.fluxion.layers", List.of("refiners.fluxion.runtime"));
    /** A class named by its package: imports and fully qualified names in code (comments left out). */
    private static final Pattern REFERENCE = Pattern.compile("\\b(refiners(?:\\.[a-z_][a-z0-9_]*)+)\\.[A-Z]");
    private static final Pattern COMMENT = Pattern.compile("/\\*[\\s\\S]*?\\*/|//[^\\n]*");

    @Test
    void noPackageUsesOneAfterIt() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = SOURCES.relativize(f.getParent()).toString().replace(f.getFileSystem().getSeparator(), ".");
                for (String used : usedPackages(f)) {
                    FORBIDDEN.forEach((from, banned) -> {
                        if (within(pkg, from)) for (String b : banned) if (within(used, b)) violations.add(f + " (" + pkg + ") uses " + used);
                    });
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void theCheckSeesImportsAndQualifiedNames() {
        List<String> used = usedPackages("import refiners.fluxion.runtime.Runner;\n// refiners.training.Ignored\n"
                + "class A { Object o = refiners.conversion.Checkpoints.Format.REFINERS_FOLDER; /* refiners.foundationals.X */ }");
        assertEquals(List.of("refiners.fluxion.runtime", "refiners.conversion"), used);
        assertTrue(within("refiners.fluxion.layers", "refiners.fluxion") && !within("refiners.fluxions", "refiners.fluxion"));
    }

    private static List<String> usedPackages(Path file) {
        try {
            return usedPackages(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> usedPackages(String source) {
        List<String> out = new ArrayList<>();
        Matcher m = REFERENCE.matcher(COMMENT.matcher(source).replaceAll(""));
        while (m.find()) out.add(m.group(1));
        return out;
    }

    private static boolean within(String pkg, String parent) {
        return pkg.equals(parent) || pkg.startsWith(parent + ".");
    }
}

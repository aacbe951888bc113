package refiners.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md's table lists every setting the project reads and no setting it does not: every REFINERS_*
 * variable named in main sources (Java string literals, `${...}` in properties, root scripts, k8s manifests) and every
 * `refiners.*` MicroProfile property (@ConfigMapping interfaces, @ConfigProperty, properties keys).
 */
public class ConfigurationDocTest {
    private static final Pattern VARIABLE = Pattern.compile("REFINERS_[A-Z0-9_]*[A-Z0-9]");
    /** A property named in the table: a whole code span, so that `quarkus...."refiners.mesh.ModelWork/run"...` is not one. */
    private static final Pattern TABLE_PROPERTY = Pattern.compile("`(refiners\\.[a-z0-9.-]*[a-z0-9])`");
    private static final Pattern STRING_LITERAL = Pattern.compile("\"(?:[^\"\\\\\\n]|\\\\.)*\"");
    private static final Pattern PROPERTIES_VARIABLE = Pattern.compile("\\$\\{(" + VARIABLE.pattern() + ")");
    private static final Pattern PROPERTIES_KEY = Pattern.compile("(?m)^(?:%[\\w-]+\\.)?(refiners\\.[a-z0-9.-]*[a-z0-9])\\s*=");
    private static final Pattern CONFIG_PROPERTY = Pattern.compile("@ConfigProperty\\(\\s*name\\s*=\\s*\"(refiners\\.[^\"]+)\"");
    private static final Pattern CONFIG_MAPPING = Pattern.compile("@ConfigMapping\\(\\s*prefix\\s*=\\s*\"([^\"]+)\"");

    private static final Path ROOT = root();
    private static final Path DOC = ROOT.resolve("docs/configuration.md");

    @Test
    void theTableListsEverySettingReadAndNothingElse() {
        Settings read = readByCode();
        Settings listed = listedInTable(read(DOC));
        List<String> problems = new ArrayList<>();
        report(problems, "read by the code but missing from docs/configuration.md", minus(read.variables, listed.variables), minus(read.properties, listed.properties));
        report(problems, "listed in docs/configuration.md but read by no code", minus(listed.variables, read.variables), minus(listed.properties, read.properties));
        if (!problems.isEmpty()) fail(String.join("\n", problems));
    }

    @Test
    void eachKindOfSourceIsReadForWhatItSets() {
        assertEquals(new Settings(Set.of("REFINERS_A"), Set.of("refiners.q")),
                settingsOf("m/src/main/java/A.java", """
                        // REFINERS_IN_A_COMMENT
                        enum Format { REFINERS_FOLDER }
                        @ConfigProperty(name = "refiners.q") String q;
                        String a = System.getenv("REFINERS_A");
                        """));
        assertEquals(new Settings(Set.of("REFINERS_A", "REFINERS_B"), Set.of("refiners.a", "refiners.b")),
                settingsOf("m/src/main/resources/application.properties", """
                        # REFINERS_IN_A_COMMENT
                        refiners.a=${REFINERS_A:1}
                        %tls.refiners.b=required
                        quarkus.x=${REFINERS_B}
                        """));
        assertEquals(new Settings(Set.of("REFINERS_A", "REFINERS_B"), Set.of()), settingsOf("run.sh", "# without REFINERS_A\n[ -n \"$REFINERS_B\" ]\n"));
        assertEquals(new Settings(Set.of("REFINERS_A"), Set.of()), settingsOf("k8s/x.yaml", "data:\n  REFINERS_A: x  # see REFINERS_B\n"));
    }

    @Test
    void theScanReachesEveryModule() {
        // a setting of each module's sources and of the manifests: else the table check would prove little
        Settings read = readByCode();
        for (String v : List.of("REFINERS_WEIGHTS", "REFINERS_CACHE", "REFINERS_API_KEYS_FILE", "REFINERS_PROMPT_CACHE", "REFINERS_INPAINTING_WEIGHTS", "REFINERS_HOST"))
            assertTrue(read.variables.contains(v), v + " not found in the sources");
        for (String p : List.of("refiners.weights", "refiners.tls.client-certificates", "refiners.orchestrator.api-keys-open-paths", "refiners.text-encoder.prompt-cache", "refiners.unet.controlnet-dir"))
            assertTrue(read.properties.contains(p), p + " not found in the sources");
    }

    @Test
    void mappingsNameTheirPropertiesAsMicroProfileDoes() {
        String source = """
                @ConfigMapping(prefix = "refiners.x")
                public interface X {
                    /** a comment with a call(); in it */
                    @WithDefault("1")
                    int maxBatch();
                    Optional<List<String>> apiKeys();
                    @WithName("renamed")
                    String original();
                    Group group();
                    interface Group {
                        boolean clientCertificates();
                    }
                    default int derived() {
                        return maxBatch();
                    }
                }
                """;
        assertEquals(Set.of("refiners.x.max-batch", "refiners.x.api-keys", "refiners.x.renamed", "refiners.x.group.client-certificates"),
                mappingProperties(source));
    }

    private static void report(List<String> problems, String what, Set<String> variables, Set<String> properties) {
        if (!variables.isEmpty()) problems.add("variables " + what + ": " + String.join(", ", variables));
        if (!properties.isEmpty()) problems.add("properties " + what + ": " + String.join(", ", properties));
    }

    record Settings(Set<String> variables, Set<String> properties) {
        Settings() {
            this(new TreeSet<>(), new TreeSet<>());
        }

        void add(Settings other) {
            variables.addAll(other.variables);
            properties.addAll(other.properties);
        }
    }

    private static Settings readByCode() {
        Settings s = new Settings();
        for (Path f : files(ROOT)) {
            String path = ROOT.relativize(f).toString().replace('\\', '/');
            if (scanned(path)) s.add(settingsOf(path, read(f)));
        }
        return s;
    }

    private static boolean scanned(String path) {
        return path.contains("/src/main/java/") && path.endsWith(".java") || path.contains("/src/main/resources/") && path.endsWith(".properties")
                || !path.contains("/") && path.endsWith(".sh") || path.startsWith("k8s/") && path.matches(".*\\.ya?ml");
    }

    /** The settings one file reads: Java string literals and config annotations, properties' ${...} and keys, scripts, manifests outside comments. */
    static Settings settingsOf(String path, String text) {
        Settings s = new Settings();
        if (path.endsWith(".java")) {
            Matcher literal = STRING_LITERAL.matcher(text);
            while (literal.find()) all(VARIABLE, literal.group(), s.variables);
            groups(CONFIG_PROPERTY, text, s.properties);
            s.properties.addAll(mappingProperties(text));
        } else if (path.endsWith(".properties")) {
            groups(PROPERTIES_VARIABLE, text, s.variables);
            groups(PROPERTIES_KEY, text, s.properties);
        } else if (path.endsWith(".sh")) {
            all(VARIABLE, text, s.variables);
        } else {
            all(VARIABLE, text.replaceAll("(?m)#.*$", ""), s.variables);
        }
        return s;
    }

    /** The properties of a @ConfigMapping interface: its abstract methods in kebab case, nested groups under their method's name. */
    public static Set<String> mappingProperties(String javaSource) {
        String code = javaSource.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)//.*$", "");
        Matcher mapping = CONFIG_MAPPING.matcher(code);
        if (!mapping.find()) return Set.of();
        Set<String> out = new TreeSet<>();
        Matcher top = Pattern.compile("interface\\s+(\\w+)[^{]*\\{").matcher(code);
        if (top.find(mapping.end())) collect(code, top.end(), closingBrace(code, top.end()), mapping.group(1), out);
        return out;
    }

    private static void collect(String code, int from, int to, String prefix, Set<String> out) {
        Matcher method = Pattern.compile("(?:@WithName\\(\"([^\"]+)\"\\)\\s*)?([\\w.<>?, \\[\\]]+?)\\s+(\\w+)\\(\\)\\s*;").matcher(code);
        method.region(from, to);
        while (method.find()) {
            if (depth(code, from, method.start()) != 0) continue; // a nested interface's own methods
            String type = method.group(2).replaceAll("<.*", "").replaceAll(".*[\\s.]", "");
            String name = prefix + "." + (method.group(1) != null ? method.group(1) : kebab(method.group(3)));
            Matcher nested = Pattern.compile("interface\\s+" + Pattern.quote(type) + "\\b[^{]*\\{").matcher(code);
            nested.region(from, to);
            if (nested.find()) collect(code, nested.end(), closingBrace(code, nested.end()), name, out);
            else out.add(name);
        }
    }

    private static int depth(String code, int from, int at) {
        int depth = 0;
        for (int i = from; i < at; i++) depth += code.charAt(i) == '{' ? 1 : code.charAt(i) == '}' ? -1 : 0;
        return depth;
    }

    private static int closingBrace(String code, int afterOpening) {
        for (int i = afterOpening, depth = 1; i < code.length(); i++) {
            depth += code.charAt(i) == '{' ? 1 : code.charAt(i) == '}' ? -1 : 0;
            if (depth == 0) return i;
        }
        throw new IllegalArgumentException("unbalanced braces");
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** The first two columns (property, variable) of the document's one settings table. */
    static Settings listedInTable(String markdown) {
        Settings s = new Settings();
        List<String> rows = markdown.lines().filter(l -> l.startsWith("|")).toList();
        assertEquals(1, rows.stream().filter(l -> l.matches("\\|\\s*-+\\s*\\|.*")).count(), "docs/configuration.md holds one table");
        for (String row : rows.subList(2, rows.size())) {
            String[] cells = row.split("\\|");
            groups(TABLE_PROPERTY, cells[1], s.properties);
            all(VARIABLE, cells[2], s.variables);
        }
        return s;
    }

    private static void all(Pattern p, String text, Set<String> into) {
        Matcher m = p.matcher(text);
        while (m.find()) into.add(m.group());
    }

    private static void groups(Pattern p, String text, Set<String> into) {
        Matcher m = p.matcher(text);
        while (m.find()) into.add(m.group(1));
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }

    private static List<Path> files(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> root.relativize(p).toString().split("[/\\\\]")[0].matches("[^.].*"))
                    .filter(p -> !root.relativize(p).toString().matches("(.*[/\\\\])?target[/\\\\].*"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(f.toString(), e);
        }
    }

    /** The checkout's root: the nearest folder up from the working directory that holds run-mesh.sh. */
    private static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.exists(p.resolve("run-mesh.sh"))) return p;
        throw new IllegalStateException("no run-mesh.sh above " + Path.of("").toAbsolutePath());
    }
}

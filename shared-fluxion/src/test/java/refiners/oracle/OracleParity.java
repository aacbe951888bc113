package refiners.oracle;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import refiners.fluxion.Tensor;

/**
 * Runs case files found in the oracle directory (system property oracle.dir), every subcase, every output: those of
 * the families whose runner maps SDXL-size weights ({@link CaseRunner#largestModels}) or all the others, so that two
 * test classes ({@link OracleParityTest}, {@link OracleParityLargestTest}) take every file between them, each with the
 * memory lock its weights need. Informational subcases are reported as skipped with their reason. A case family with
 * no runner fails, unless it is in the visible {@link #PENDING} list (reported as skipped on every run, never counted
 * as passed).
 */
final class OracleParity {
    /** Case families whose runner a later issue implements: reported as skipped, never as passed. */
    static final Map<String, String> PENDING = new TreeMap<>(Map.of());

    private static Map<String, CaseRunner> runners() {
        Map<String, CaseRunner> out = new TreeMap<>();
        ServiceLoader.load(CaseRunner.class).forEach(r -> out.put(r.caseName(), r));
        return out;
    }

    private OracleParity() {}

    /**
     * The tests of every case file whose family's runner says {@code largest} for {@link CaseRunner#largestModels}
     * (a family with no runner counts as not largest: it fails or is pending in {@link OracleParityTest}).
     */
    static Stream<DynamicNode> nodes(boolean largest) {
        Path dir = OracleCase.dir();
        if (!Files.isDirectory(dir)) throw new AssertionError("oracle directory " + dir + " not found (set -Doracle.dir)");
        List<Path> manifests = OracleCase.manifests(dir);
        assertFalse(manifests.isEmpty(), "no case files in " + dir);
        Map<String, CaseRunner> runners = runners();
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path p : manifests) {
            CaseRunner runner = runners.get(OracleCase.read(p).get("case").asText());
            if ((runner != null && runner.largestModels()) == largest) nodes.add(caseNode(OracleCase.load(p), runners)); // maps only its own files
        }
        System.out.println("oracle: " + dir + ", " + nodes.size() + " of " + manifests.size() + " case files (" + (largest ? "" : "not ")
                + "SDXL-size); pending: " + (PENDING.isEmpty() ? "none" : PENDING));
        return nodes.stream();
    }

    private static DynamicNode caseNode(OracleCase oc, Map<String, CaseRunner> runners) {
        Path manifestPath = oc.manifestPath();
        CaseRunner runner = runners.get(oc.name());
        List<DynamicNode> subs = new ArrayList<>();
        for (JsonNode sub : oc.manifest().get("subcases")) {
            String subName = sub.get("name").asText();
            String display = oc.name() + "/" + subName;
            if (sub.path("informational").asBoolean(false)) {
                String reason = sub.path("informational_reason").asText("informational subcase");
                subs.add(DynamicTest.dynamicTest(subName + " [informational]", () -> {
                    System.out.println("SKIPPED " + display + ": " + reason);
                    Assumptions.abort("informational, not a port target: " + reason);
                }));
                continue;
            }
            if (runner == null) {
                String pending = PENDING.get(oc.name());
                subs.add(DynamicTest.dynamicTest(subName, () -> {
                    if (pending == null) throw new AssertionError("unknown case kind '" + oc.name() + "' in " + manifestPath + ": no runner");
                    System.out.println("PENDING " + display + ": " + pending);
                    Assumptions.abort("pending: " + pending);
                }));
                continue;
            }
            subs.add(subcaseNode(oc, runner, sub, display));
        }
        return DynamicContainer.dynamicContainer(oc.name(), subs);
    }

    private static DynamicNode subcaseNode(OracleCase oc, CaseRunner runner, JsonNode sub, String display) {
        // Computed once per subcase, then each output is its own test.
        Map<String, Tensor>[] result = new Map[1];
        Throwable[] failure = new Throwable[1];
        List<DynamicNode> tests = new ArrayList<>();
        JsonNode outputs = sub.get("outputs");
        Map<String, org.junit.jupiter.api.function.Executable> checks;
        try {
            checks = runner.checks(oc, sub);
        } catch (Exception e) {
            return DynamicTest.dynamicTest(sub.get("name").asText(), () -> { throw new AssertionError(display + ": cannot prepare checks", e); });
        }
        if ((outputs == null || outputs.isEmpty()) && checks.isEmpty())
            return DynamicTest.dynamicTest(sub.get("name").asText(), () -> { throw new AssertionError(display + " lists no outputs and its runner no checks"); });
        checks.forEach((name, check) -> tests.add(DynamicTest.dynamicTest(name, check)));
        for (JsonNode out : outputs == null ? List.<JsonNode>of() : outputs) {
            String name = out.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                if (result[0] == null && failure[0] == null) {
                    long t0 = System.nanoTime();
                    try {
                        result[0] = runner.run(oc, sub);
                    } catch (Throwable t) {
                        failure[0] = t;
                    }
                    System.out.printf("%s computed in %.1f s%n", display, (System.nanoTime() - t0) / 1e9);
                }
                if (failure[0] != null) throw new AssertionError(display + " failed to run", failure[0]);
                Tensor actual = result[0].get(name);
                if (actual == null) throw new AssertionError(display + ": runner produced no output '" + name + "'");
                String ref = out.has("tensor_f64") ? out.get("tensor_f64").asText() : null;
                if (ref == null || !oc.tensors().contains(ref)) throw new AssertionError(display + ": reference tensor for " + name + " missing");
                Comparison.check(display + "/" + name, out, oc.tensors().get(ref), actual);
            }));
        }
        return DynamicContainer.dynamicContainer(sub.get("name").asText(), tests);
    }
}

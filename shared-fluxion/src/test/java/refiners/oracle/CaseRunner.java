package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import refiners.fluxion.Tensor;

/**
 * Runs one oracle case family. For a subcase it returns every output the manifest lists, by name; the harness compares
 * them with the stated tolerances. A runner must throw (never silently skip) when it meets something it does not know.
 */
public interface CaseRunner {
    /** The manifest's "case" value this runner handles. */
    String caseName();

    /** Computes the outputs the subcase lists under "outputs" (may be empty when the case keeps its references elsewhere). */
    Map<String, Tensor> run(OracleCase oracleCase, JsonNode subcase) throws Exception;

    /**
     * Whether this family maps SDXL's models (SDXL-size: its UNet alone is 10 GB): its case files run in
     * {@link OracleParityLargestTest}, beside no full-size class; the others' in {@link OracleParityTest}, which may run
     * beside another full-size class.
     */
    default boolean largestModels() {
        return false;
    }

    /**
     * Further named checks: model state-dict keys and structure, or references kept outside "outputs" (token ids per
     * prompt). Each becomes its own test.
     */
    default Map<String, Executable> checks(OracleCase oracleCase, JsonNode subcase) throws Exception {
        return Map.of();
    }
}

package refiners.oracle;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import refiners.LargestModels;

/**
 * The case files of the families whose runner maps SDXL-size weights ({@link CaseRunner#largestModels}): every subcase,
 * every output (see {@link OracleParity}); beside no full-size class. With {@link OracleParityTest}, every case file.
 */
@LargestModels
class OracleParityLargestTest {
    @TestFactory
    Stream<DynamicNode> oracle() {
        return OracleParity.nodes(true);
    }
}

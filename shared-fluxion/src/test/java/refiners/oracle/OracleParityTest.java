package refiners.oracle;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import refiners.FullSizeModels;

/**
 * Every case file of the oracle directory (system property oracle.dir) but the SDXL-size families' (those run in
 * {@link OracleParityLargestTest}): every subcase, every output (see {@link OracleParity}). Its families map SD 1.x-size
 * weights one after another, so it may run beside another full-size class.
 */
@FullSizeModels
class OracleParityTest {
    @TestFactory
    Stream<DynamicNode> oracle() {
        return OracleParity.nodes(false);
    }
}

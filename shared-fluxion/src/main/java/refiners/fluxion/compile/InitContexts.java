package refiners.fluxion.compile;

import java.util.Map;
import refiners.fluxion.layers.Chain;

/** Access to a chain's protected init_context for the compiler. */
final class InitContexts {
    private InitContexts() {}

    static Map<String, Map<String, Object>> of(Chain chain) {
        return Chain.initContextOf(chain);
    }
}

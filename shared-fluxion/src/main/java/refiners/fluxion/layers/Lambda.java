package refiners.fluxion.layers;

import java.util.List;
import java.util.function.UnaryOperator;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/**
 * A layer whose body is given inline. The body builds graph nodes (it receives graph values, not numbers), so it
 * compiles like any other layer. {@code signature} is what the printout shows, as refiners shows the Python function.
 */
public class Lambda extends Module {
    /** The body: input tuple to output tuple. */
    @FunctionalInterface
    public interface Body {
        List<Value> apply(Graph graph, List<Value> args);
    }

    private final String signature;
    private final Body body;

    public Lambda(String signature, Body body) {
        this.signature = signature;
        this.body = body;
    }

    /** A single-input, single-output body. */
    public static Lambda of(String signature, UnaryOperator<Value> f) {
        return new Lambda(signature, (g, args) -> List.of(f.apply(single(null, args))));
    }

    @Override
    public List<Value> lower(Graph graph, List<Value> args) {
        return body.apply(graph, args);
    }

    @Override
    public String toString() {
        return "Lambda(" + signature + ")";
    }
}

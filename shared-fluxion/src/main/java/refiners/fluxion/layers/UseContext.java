package refiners.fluxion.layers;

import java.util.List;
import java.util.function.Function;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/**
 * Outputs context.key, ignoring its inputs. A value set at run time with setContext becomes a graph input; a value
 * set by a SetContext earlier in the model is a plain edge; a number (refiners keeps Python floats in contexts, e.g.
 * the UNet's residuals start as 0.0) becomes a scalar constant. compose() transforms the stored value first.
 */
public class UseContext extends Module {
    private final String context;
    private final String key;
    private Function<Object, ?> func;

    public UseContext(String context, String key) {
        this.context = context;
        this.key = key;
    }

    /** Applies {@code f} to the stored value (e.g. picks one element of a stored list); it returns a Value or a number. */
    public UseContext compose(Function<Object, ?> f) {
        this.func = f;
        return this;
    }

    public String context() { return context; }
    public String key() { return key; }

    @Override
    protected void describe(Attributes a) {
        a.add("context", context).add("key", key);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Object v = g.contexts().get(context, key);
        if (v instanceof Tensor t) v = g.contextInput(context, key, t);
        if (func != null) v = func.apply(v);
        if (v instanceof Number n) v = g.scalar(n.doubleValue(), g.computeType());
        if (!(v instanceof Value value))
            throw new IllegalStateException("context entry " + context + "." + key + " holds " + (v == null ? "null" : v.getClass().getSimpleName()) + ", not a tensor");
        return List.of(value);
    }
}

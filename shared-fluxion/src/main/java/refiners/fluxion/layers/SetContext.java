package refiners.fluxion.layers;

import java.util.List;
import java.util.function.BiConsumer;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/**
 * Stores its input in context.key (or hands it to a callback together with the current context value, e.g. to
 * append to a list) and returns the input unchanged.
 */
public class SetContext extends Module {
    private final String context;
    private final String key;
    private final BiConsumer<Object, Value> callback;

    public SetContext(String context, String key) {
        this(context, key, null);
    }

    public SetContext(String context, String key, BiConsumer<Object, Value> callback) {
        this.context = context;
        this.key = key;
        this.callback = callback;
    }

    public String context() { return context; }
    public String key() { return key; }

    @Override
    protected void describe(Attributes a) {
        a.add("context", context).add("key", key);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        if (callback == null) g.contexts().set(context, key, x);
        else callback.accept(g.contexts().get(context, key), x);
        return args;
    }
}

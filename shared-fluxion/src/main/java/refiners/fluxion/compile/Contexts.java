package refiners.fluxion.compile;

import java.util.LinkedHashMap;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Module;

/**
 * The context store a compilation runs with: every chain's init_context (fresh objects), then the contexts set with
 * setContext. During lowering, SetContext writes graph values into it and UseContext reads them back; a {@link Tensor}
 * found there is a run-time value and becomes a graph input.
 */
public final class Contexts {
    private final Map<String, Map<String, Object>> store = new LinkedHashMap<>();

    /** Collects the contexts of a model tree: init contexts first (root to leaves), then explicitly set ones. */
    public static Contexts collect(Module root) {
        return collect(root, Map.of());
    }

    /** Like {@link #collect(Module)}, then the given per-call values on top. */
    public static Contexts collect(Module root, Map<String, Map<String, Object>> overrides) {
        Contexts c = new Contexts();
        c.mergeInit(root);
        c.mergeSet(root);
        overrides.forEach((ctx, m) -> m.forEach((k, v) -> c.set(ctx, k, v)));
        return c;
    }

    private void mergeInit(Module m) {
        if (!(m instanceof Chain chain)) return;
        chain.initContext().forEach((k, v) -> store.computeIfAbsent(k, x -> new LinkedHashMap<>()).putAll(v));
        for (Module child : chain) mergeInit(child);
    }

    private void mergeSet(Module m) {
        if (!(m instanceof Chain chain)) return;
        chain.setContexts().forEach((k, v) -> store.computeIfAbsent(k, x -> new LinkedHashMap<>()).putAll(v));
        for (Module child : chain) mergeSet(child);
    }

    /** The value of context.key; a missing context or unset entry is an error naming it. */
    public Object get(String context, String key) {
        Map<String, Object> c = store.get(context);
        if (c == null) throw new CompileException("context '" + context + "' is unset (set it with setContext(\"" + context + "\", ...))");
        Object v = c.get(key);
        if (v == null) throw new CompileException("context entry " + context + "." + key + " is unset (set it with setContext(\"" + context + "\", Map.of(\"" + key + "\", ...)))");
        return v;
    }

    public Object getOrNull(String context, String key) {
        Map<String, Object> c = store.get(context);
        return c == null ? null : c.get(key);
    }

    public void set(String context, String key, Object value) {
        store.computeIfAbsent(context, x -> new LinkedHashMap<>()).put(key, value);
    }

    /** Run-time tensors in the store, by "context.key" (they decide the compiled input signature). */
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        store.forEach((c, m) -> m.forEach((k, v) -> {
            if (v instanceof Tensor t) out.put(c + "." + k, t);
        }));
        return out;
    }
}

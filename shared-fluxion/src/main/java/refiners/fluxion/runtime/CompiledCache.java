package refiners.fluxion.runtime;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.CompiledGraph;
import refiners.fluxion.compile.Compiler;
import refiners.fluxion.compile.Contexts;
import refiners.fluxion.layers.Module;

/**
 * A model's compiled sessions, one per (dtype, shape policy, taps, policy-applied input and context signature).
 * Least recently used sessions are closed past the configured size. Cleared when the structure or weights change.
 */
public final class CompiledCache {
    private final LinkedHashMap<String, CompiledModel> sessions = new LinkedHashMap<>(8, 0.75f, true);

    public RunResult run(Module root, CompileOptions options, List<Tensor> inputs, Map<String, Map<String, Object>> overrides) {
        Map<String, Tensor> contextTensors = Contexts.collect(root, overrides).tensors();
        CompiledModel model = get(root, options, inputs, contextTensors, overrides);
        return model.run(inputs, contextTensors);
    }

    /** The session for these inputs, compiling it on first use. */
    public CompiledModel get(Module root, CompileOptions options, List<Tensor> inputs, Map<String, Tensor> contextTensors) {
        return get(root, options, inputs, contextTensors, Map.of());
    }

    public CompiledModel get(Module root, CompileOptions options, List<Tensor> inputs, Map<String, Tensor> contextTensors,
                              Map<String, Map<String, Object>> overrides) {
        StringBuilder key = new StringBuilder(options.dtype() + "|" + options.device() + "|" + options.shapePolicy() + "|" + new java.util.TreeSet<>(options.freeShapeContexts()) + "|taps");
        options.taps().forEach(t -> key.append(':').append(System.identityHashCode(t)));
        List<Compiler.InputSpec> specs = new ArrayList<>();
        for (Tensor t : inputs) {
            long[] s = options.shapePolicy().apply(t.shape());
            specs.add(new Compiler.InputSpec(t.dtype(), s));
            key.append('|').append(t.dtype()).append(java.util.Arrays.toString(s));
        }
        contextTensors.forEach((k, t) -> key.append('|').append(k).append(t.dtype())
                .append(java.util.Arrays.toString(options.contextShape(k.substring(0, k.indexOf('.')), t.shape()))));
        String k = key.toString();
        synchronized (this) {
            CompiledModel m = sessions.get(k);
            if (m != null) return m;
            CompiledGraph g = Compiler.compile(root, specs, options, overrides);
            m = CompiledModel.create(g, RuntimeConfig.global());
            sessions.put(k, m);
            int max = Math.max(1, RuntimeConfig.global().sessionCacheSize());
            for (Iterator<Map.Entry<String, CompiledModel>> it = sessions.entrySet().iterator(); sessions.size() > max && it.hasNext(); ) {
                Map.Entry<String, CompiledModel> e = it.next();
                if (e.getValue() != m) {
                    e.getValue().close();
                    it.remove();
                }
            }
            return m;
        }
    }

    public synchronized void clear() {
        sessions.values().forEach(CompiledModel::close);
        sessions.clear();
    }

    public synchronized int size() {
        return sessions.size();
    }
}

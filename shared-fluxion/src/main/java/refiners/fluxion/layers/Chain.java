package refiners.fluxion.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/**
 * A sequence of layers: each child receives the previous child's output tuple as its positional inputs. Children are
 * named by class, with _1, _2 ... suffixes among same-class siblings; names are regenerated after every edit.
 */
public class Chain extends Module implements Iterable<Module> {
    private List<Module> children = new ArrayList<>();
    private Map<String, Map<String, Object>> contexts = new LinkedHashMap<>();

    public Chain(Module... modules) {
        this(List.of(modules));
    }

    public Chain(List<? extends Module> modules) {
        this(modules, false);
    }

    /**
     * With {@code keepExistingParents}, children that already sit in another chain keep it as their parent: adapters
     * use this so their target still knows where it lives until the adapter is injected.
     */
    protected Chain(List<? extends Module> modules, boolean keepExistingParents) {
        for (Module m : modules) {
            children.add(m);
            if (!keepExistingParents || m.parent() == null) m.setParent(this);
        }
    }

    // ---------------------------------------------------------------- children

    public int size() {
        return children.size();
    }

    public Module get(int index) {
        return children.get(index < 0 ? children.size() + index : index);
    }

    public Module get(String name) {
        int i = childNames().indexOf(name);
        if (i < 0) throw new IllegalArgumentException(className() + " has no child " + name + " (children: " + childNames() + ")");
        return children.get(i);
    }

    public List<Module> children() {
        return Collections.unmodifiableList(children);
    }

    @Override
    public Iterator<Module> iterator() {
        return children().iterator();
    }

    /** Children's names: the class name, suffixed _1, _2 ... when several siblings share it. */
    public List<String> childNames() {
        Map<String, Integer> counts = new HashMap<>(), seen = new HashMap<>();
        for (Module m : children) counts.merge(m.className(), 1, Integer::sum);
        List<String> names = new ArrayList<>(children.size());
        for (Module m : children) {
            String c = m.className();
            int k = seen.merge(c, 1, Integer::sum);
            names.add(counts.get(c) > 1 ? c + "_" + k : c);
        }
        return names;
    }

    // ---------------------------------------------------------------- structure API

    /** A layer found by {@link #walk}, with the chain that holds it. */
    public record Walked<T extends Module>(T module, Chain parent) {}

    /** Layers matching the predicate, depth first; a match is not descended into unless {@code recurse}. */
    public List<Walked<Module>> walk(BiPredicate<Module, Chain> predicate, boolean recurse) {
        List<Walked<Module>> out = new ArrayList<>();
        walkInto(predicate, recurse, out);
        return out;
    }

    public List<Walked<Module>> walk(BiPredicate<Module, Chain> predicate) {
        return walk(predicate, false);
    }

    @SuppressWarnings("unchecked")
    public <T extends Module> List<Walked<T>> walk(Class<T> type, boolean recurse) {
        List<Walked<T>> out = new ArrayList<>();
        for (Walked<Module> w : walk((m, p) -> type.isInstance(m), recurse)) out.add(new Walked<>((T) w.module(), w.parent()));
        return out;
    }

    public <T extends Module> List<Walked<T>> walk(Class<T> type) {
        return walk(type, false);
    }

    private void walkInto(BiPredicate<Module, Chain> predicate, boolean recurse, List<Walked<Module>> out) {
        for (Module m : new ArrayList<>(children)) {
            if (predicate.test(m, this)) {
                out.add(new Walked<>(m, this));
                if (!recurse) continue;
            }
            if (m instanceof Chain c) c.walkInto(predicate, recurse, out);
        }
    }

    public <T extends Module> List<T> layers(Class<T> type) {
        return layers(type, false);
    }

    public <T extends Module> List<T> layers(Class<T> type, boolean recurse) {
        List<T> out = new ArrayList<>();
        for (Walked<T> w : walk(type, recurse)) out.add(w.module());
        return out;
    }

    public <T extends Module> T find(Class<T> type) {
        List<T> l = layers(type);
        return l.isEmpty() ? null : l.get(0);
    }

    public <T extends Module> T ensureFind(Class<T> type) {
        T t = find(type);
        if (t == null) throw new IllegalArgumentException("no " + type.getSimpleName() + " in " + className());
        return t;
    }

    /** The chain holding {@code module} under this one (by identity), or null. */
    public Chain findParent(Module module) {
        if (children.stream().anyMatch(c -> c == module)) return this;
        List<Walked<Module>> w = walk((m, p) -> m == module);
        return w.isEmpty() ? null : w.get(0).parent();
    }

    /**
     * The dotted path of a layer under this chain, as in state-dict keys ("Chain_1.Residual_1"; "" for this chain).
     * A layer that is not under it, or sits at several places, is an error.
     */
    public String pathOf(Module layer) {
        if (layer == this) return "";
        List<String> found = new ArrayList<>();
        collectPaths(layer, "", found);
        if (found.isEmpty()) throw new IllegalArgumentException(layer.className() + " is not in " + className());
        if (found.size() > 1) throw new IllegalArgumentException(layer.className() + " sits at several places in " + className() + " " + found + ": name one by its path");
        return found.get(0);
    }

    private void collectPaths(Module layer, String prefix, List<String> found) {
        List<String> names = childNames();
        for (int i = 0; i < children.size(); i++) {
            Module m = children.get(i);
            if (m == layer) found.add(prefix + names.get(i));
            if (m instanceof Chain c) c.collectPaths(layer, prefix + names.get(i) + ".", found);
        }
    }

    /** Like Python's list insert; a negative index counts from the end so that insert(-1, m) appends (refiners). */
    public void insert(int index, Module module) {
        if (index < 0) index = Math.max(0, children.size() + index + 1);
        children.add(Math.min(index, children.size()), module);
        module.setParent(this);
        structureChanged();
    }

    public void insertBeforeType(Class<? extends Module> type, Module module) {
        insert(indexOfType(type), module);
    }

    public void insertAfterType(Class<? extends Module> type, Module module) {
        insert(indexOfType(type) + 1, module);
    }

    private int indexOfType(Class<? extends Module> type) {
        for (int i = 0; i < children.size(); i++) if (type.isInstance(children.get(i))) return i;
        throw new IllegalArgumentException("no " + type.getSimpleName() + " in " + className());
    }

    public void append(Module module) {
        insert(-1, module);
    }

    public Module pop(int index) {
        if (index < 0) index += children.size();
        if (index < 0 || index >= children.size()) throw new IndexOutOfBoundsException("index out of range");
        Module m = children.remove(index);
        if (m.parent() == this) m.setParent(null);
        structureChanged();
        return m;
    }

    public Module pop() {
        return pop(-1);
    }

    public void remove(Module module) {
        int i = indexOf(module);
        if (i < 0) throw new IllegalArgumentException(module.className() + " is not in " + className());
        pop(i);
    }

    /** Puts {@code replacement} in {@code old}'s place; {@code old} gets {@code oldParent} as parent (null: none). */
    public void replace(Module old, Module replacement, Chain oldParent) {
        int i = indexOf(old);
        if (i < 0) throw new IllegalArgumentException(old.className() + " is not in " + className());
        children.set(i, replacement);
        replacement.setParent(this);
        if (old.parent() == this) old.setParent(oldParent);
        structureChanged();
    }

    public void replace(Module old, Module replacement) {
        replace(old, replacement, null);
    }

    private int indexOf(Module module) {
        for (int i = 0; i < children.size(); i++) if (children.get(i) == module) return i;
        return -1;
    }

    /** Copies every chain of the tree, sharing the leaves (and so the weights): adapt the copy, keep the original. */
    @Override
    public Chain structuralCopy() {
        Chain clone = shallowCopy();
        for (Module m : children) {
            Module c = m.structuralCopy();
            clone.children.add(c);
            if (c != m || c.parent() == null) c.setParent(clone);
        }
        return clone;
    }

    /**
     * refiners' {@code chain[start:end]}: a structural copy of this chain (same class and attributes) holding only the
     * children in [start, end) (negative bounds count from the end). Leaves are shared, and the slice's own leaves name
     * it as their parent: slicing takes a model apart to build another (refiners' DoubleTextEncoder).
     */
    public Chain slice(int start, int end) {
        int from = start < 0 ? Math.max(0, children.size() + start) : Math.min(start, children.size());
        int to = end < 0 ? Math.max(0, children.size() + end) : Math.min(end, children.size());
        Chain copy = shallowCopy();
        for (Module m : children.subList(from, Math.max(from, to))) {
            Module c = m.structuralCopy();
            copy.children.add(c);
            c.setParent(copy);
        }
        return copy;
    }

    /** A childless, parentless copy of this chain's own attributes (constructor arguments, set contexts). */
    protected Chain shallowCopy() {
        try {
            Chain c = (Chain) super.clone();
            c.children = new ArrayList<>();
            c.contexts = new LinkedHashMap<>();
            contexts.forEach((k, v) -> c.contexts.put(k, new LinkedHashMap<>(v)));
            c.setParent(null);
            return c;
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- context

    /**
     * Contexts this chain starts each compilation with (refiners' init_context): fresh objects on every call. The
     * compiler merges those of every chain of the tree (root first) before the contexts set with setContext.
     */
    public Map<String, Map<String, Object>> initContext() {
        return new LinkedHashMap<>();
    }

    /**
     * Sets (replaces) a context. Tensor values become graph inputs named "context.key" (a new value needs no new
     * session); any other value is a compile-time constant, so setting one counts as an edit (see treeVersion).
     */
    public void setContext(String context, Map<String, ?> values) {
        Map<String, Object> old = contexts.put(context, new LinkedHashMap<>(values));
        boolean constants = values.values().stream().anyMatch(v -> !(v instanceof Tensor))
                || old != null && old.values().stream().anyMatch(v -> !(v instanceof Tensor));
        if (constants) changed();
    }

    /** Forgets the contexts set on this chain (e.g. a copy nested in a model, which then reads its root's). */
    public void clearContexts() {
        if (contexts.isEmpty()) return;
        contexts.clear();
        changed();
    }

    public Map<String, Object> context(String context) {
        Map<String, Object> c = contexts.get(context);
        return c == null ? null : Collections.unmodifiableMap(c);
    }

    /** The contexts explicitly set on this chain. */
    public Map<String, Map<String, Object>> setContexts() {
        return Collections.unmodifiableMap(contexts);
    }

    // ---------------------------------------------------------------- printing

    @Override
    protected String tag() {
        return "CHAIN";
    }

    @Override
    protected boolean showOnlyTag() {
        return getClass() == Chain.class;
    }

    // ---------------------------------------------------------------- compilation and running

    @Override
    public List<Value> lower(Graph graph, List<Value> args) {
        List<Value> x = args;
        List<String> names = childNames();
        for (int i = 0; i < children.size(); i++) x = graph.call(children.get(i), names.get(i), x);
        return x;
    }

    void structureChanged() {
        changed();
    }

    @Override
    public long treeVersion() {
        long v = version();
        for (int i = 0; i < children.size(); i++) v = Math.max(v, children.get(i).treeVersion());
        return v;
    }
}

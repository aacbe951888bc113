package refiners.fluxion.runtime;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import refiners.fluxion.layers.Module;

/**
 * A runner's sessions by (model, tree version, signature), least recently used out first. Models are held weakly: a
 * model that is no longer used elsewhere is not kept alive, and its sessions are closed at the next lookup. A lookup
 * for a newer version of a model closes the sessions of its older versions (they can never be used again).
 *
 * <p>A session is leased under the cache lock, so an eviction racing with a lookup cannot close it before the run:
 * closing only takes effect when the last lease ends. Compiling happens outside the lock; concurrent lookups of a
 * session being compiled wait for it instead of compiling it twice.
 */
final class SessionCache {
    private final int capacity;
    private final LinkedHashMap<Key, Slot> slots = new LinkedHashMap<>(16, 0.75f, true);

    SessionCache(int capacity) {
        this.capacity = capacity;
    }

    /** A model by identity, held weakly. */
    private static final class ModelRef extends WeakReference<Module> {
        private final int hash;

        ModelRef(Module model) {
            super(model);
            this.hash = System.identityHashCode(model);
        }

        @Override
        public boolean equals(Object o) {
            return o == this || o instanceof ModelRef r && get() != null && get() == r.get();
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private record Key(ModelRef model, long version, List<Object> signature) {}

    /** A session, or the promise of one while it compiles. */
    private static final class Slot {
        final CompletableFuture<CompiledModel> ready = new CompletableFuture<>();
        boolean evicted; // guarded by the cache

        void evict() {
            evicted = true;
            if (ready.isDone() && !ready.isCompletedExceptionally()) ready.join().close(); // deferred while leased
        }
    }

    /**
     * The session for this key, leased for one run (the caller must {@link CompiledModel#release} it); {@code create}
     * compiles it when missing.
     */
    CompiledModel lease(Module model, long version, List<Object> signature, Supplier<CompiledModel> create) {
        Key key = new Key(new ModelRef(model), version, signature);
        while (true) {
            Slot slot;
            boolean mine = false;
            synchronized (this) {
                dropStale(model, version);
                slot = slots.get(key);
                if (slot == null) {
                    slot = new Slot();
                    slots.put(key, slot);
                    mine = true;
                    trim(slot);
                } else if (slot.ready.isDone()) {
                    CompiledModel m = slot.ready.join(); // slots that failed are removed before completing
                    if (m.acquire()) return m;
                    slots.remove(key, slot); // evicted slots leave the map before closing: defensive, look again
                    continue;
                }
            }
            if (mine) return compile(key, slot, create);
            try {
                slot.ready.join(); // another thread compiles it: wait outside the lock, then look again
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw e;
            }
        }
    }

    private CompiledModel compile(Key key, Slot slot, Supplier<CompiledModel> create) {
        CompiledModel m;
        try {
            m = create.get();
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                slots.remove(key, slot);
            }
            slot.ready.completeExceptionally(e);
            throw e;
        }
        synchronized (this) {
            m.acquire(); // leased before anyone can close it
            if (slot.evicted) m.close(); // evicted while compiling: closes when this run ends
            slot.ready.complete(m);
        }
        return m;
    }

    /** Closes the sessions of collected models and of older versions of {@code model}. */
    private void dropStale(Module model, long version) {
        for (Iterator<Map.Entry<Key, Slot>> it = slots.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Slot> e = it.next();
            Module m = e.getKey().model().get();
            if (m == null || m == model && e.getKey().version() != version) {
                it.remove();
                e.getValue().evict();
            }
        }
    }

    /** Evicts the least recently used sessions past the capacity (never {@code keep}). */
    private void trim(Slot keep) {
        for (Iterator<Slot> it = slots.values().iterator(); slots.size() > capacity && it.hasNext(); ) {
            Slot s = it.next();
            if (s == keep) continue;
            it.remove();
            s.evict();
        }
    }

    /** Closes the sessions of {@code model} (after their runs end). */
    synchronized void forget(Module model) {
        List<Slot> gone = new ArrayList<>();
        slots.entrySet().removeIf(e -> {
            boolean match = e.getKey().model().get() == model;
            if (match) gone.add(e.getValue());
            return match;
        });
        gone.forEach(Slot::evict);
    }

    synchronized void clear() {
        slots.values().forEach(Slot::evict);
        slots.clear();
    }

    synchronized int size() {
        return slots.size();
    }
}

package refiners.fluxion.adapters;

import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Module;

/**
 * An adapter wraps a target layer: {@link #inject} puts the adapter in the target's place in its parent chain,
 * {@link #eject} puts the target back, leaving structure and state dict exactly as before. Adapters are chains (their
 * class also extends {@link Chain} or one of its subclasses) that hold the target among their children.
 */
public interface Adapter<T extends Module> {
    /** The adapted layer. */
    T target();

    private Chain self() {
        return (Chain) this;
    }

    /** Replaces the target by this adapter in {@code parent} (or in the target's own parent when null). */
    default Adapter<T> inject(Chain parent) {
        Chain self = self();
        Chain where = parent != null ? parent : target().parent();
        if (where == null || where == self)
            throw new IllegalStateException(self.className() + ": no parent to inject into (already injected, or the target is in no chain)");
        Chain trueParent = where.findParent(target());
        if (trueParent == null || trueParent == self)
            throw new IllegalArgumentException(target().className() + " is not in " + where.className());
        trueParent.replace(target(), self, self);
        return this;
    }

    default Adapter<T> inject() {
        return inject(null);
    }

    /** Puts the target (or the adapter stacked on it later) back in this adapter's place. */
    default void eject() {
        Chain self = self();
        Chain parent = self.parent();
        if (parent == null) throw new IllegalStateException(self.className() + " is not injected");
        parent.replace(self, topAdapter(self, target()), null);
    }

    /** The outermost adapter stacked on {@code target} inside {@code top}, or the target itself. */
    static Module topAdapter(Chain top, Module target) {
        Chain p = top.findParent(target);
        if (p == null || p == top) return target;
        Module r = target;
        for (Chain c = p; c != top; c = c.parent()) {
            if (c instanceof Adapter<?>) r = c;
            if (c.parent() == null) throw new IllegalStateException("parent tree of " + top.className() + " is broken");
        }
        return r;
    }
}

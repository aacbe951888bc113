package refiners.fluxion.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import refiners.fluxion.Tensor;

/** refiners' state-dict key rule: child names joined by dots, then the parameter name. */
final class StateDict {
    interface Visitor {
        void visit(String key, Module owner, String parameter);
    }

    private StateDict() {}

    static void visit(Module m, String prefix, Visitor v) {
        for (String p : m.parameters().keySet()) v.visit(prefix + p, m, p);
        if (m instanceof Chain c) {
            List<String> names = c.childNames();
            for (int i = 0; i < c.size(); i++) visit(c.get(i), prefix + names.get(i) + ".", v);
        }
    }

    static void load(Module root, Map<String, Tensor> tensors) {
        Set<String> unexpected = new LinkedHashSet<>(tensors.keySet());
        List<String> missing = new ArrayList<>(), misshaped = new ArrayList<>();
        visit(root, "", (key, owner, name) -> {
            Tensor t = tensors.get(key);
            unexpected.remove(key);
            if (t == null) {
                missing.add(key);
                return;
            }
            long[] want = owner.parameters().get(name).shape();
            if (!Arrays.equals(want, t.shape())) misshaped.add(key + " " + Arrays.toString(t.shape()) + " (expected " + Arrays.toString(want) + ")");
        });
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misshaped.isEmpty())
            throw new IllegalArgumentException("state dict does not match " + root.className() + ": "
                    + describe("missing", missing) + describe("unexpected", new ArrayList<>(unexpected)) + describe("wrong shape", misshaped));
        visit(root, "", (key, owner, name) -> owner.setParameter(name, tensors.get(key)));
    }

    static String describe(String what, List<String> keys) {
        if (keys.isEmpty()) return "";
        List<String> shown = keys.size() > 10 ? keys.subList(0, 10) : keys;
        return keys.size() + " " + what + " " + shown + (keys.size() > 10 ? " ..." : "") + "; ";
    }
}

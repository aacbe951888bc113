package refiners.fluxion.layers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * refiners' tree printout: "(TAG) Name(attrs)" lines, successive identical subtrees folded as "(xN)", and "#k"
 * numbering among siblings of the same class.
 */
final class ModuleTree {
    private String value;
    private final String className;
    private final List<ModuleTree> children = new ArrayList<>();

    private ModuleTree(String value, String className) {
        this.value = value;
        this.className = className;
    }

    static ModuleTree of(Module m) {
        ModuleTree t = build(m);
        t.foldSuccessiveIdentical();
        return t;
    }

    private static ModuleTree build(Module m) {
        String tag = m.tag();
        String value = tag.isEmpty() ? m.toString() : m.showOnlyTag() ? "(" + tag + ")" : "(" + tag + ") " + m;
        ModuleTree node = new ModuleTree(value, m.className());
        if (m instanceof Chain c) for (Module child : c) node.children.add(build(child));
        return node;
    }

    private void foldSuccessiveIdentical() {
        int i = 0;
        while (i < children.size()) {
            int j = i;
            while (j < children.size() && children.get(i).equals(children.get(j))) j++;
            int count = j - i;
            if (count > 1) {
                children.get(i).value += " (x" + count + ")";
                children.subList(i + 1, j).clear();
            }
            children.get(i).foldSuccessiveIdentical();
            i++;
        }
    }

    String render() {
        StringBuilder sb = new StringBuilder();
        render(sb, value, "", true, true);
        return sb.toString();
    }

    private void render(StringBuilder sb, String shown, String prefix, boolean isLast, boolean isRoot) {
        if (sb.length() > 0) sb.append('\n');
        sb.append(prefix).append(isRoot ? "" : isLast ? "└── " : "├── ").append(shown);
        Map<String, Integer> counts = new HashMap<>(), seen = new HashMap<>();
        for (ModuleTree c : children) counts.merge(c.className, 1, Integer::sum);
        String childPrefix = prefix + (isLast ? "    " : "│   ");
        for (int i = 0; i < children.size(); i++) {
            ModuleTree c = children.get(i);
            int k = seen.merge(c.className, 1, Integer::sum);
            String childShown = counts.get(c.className) > 1 ? c.value + " #" + k : c.value;
            c.render(sb, childShown, childPrefix, i == children.size() - 1, false);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModuleTree t && t.value.equals(value) && t.className.equals(className) && t.children.equals(children);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value, className, children);
    }
}

package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/** Reads a manifest's constructor kwargs and fails on any it was not asked for (so nothing is silently ignored). */
final class Ctor {
    private final String className;
    private final JsonNode node;
    private final Set<String> used = new HashSet<>();

    Ctor(String className, JsonNode node) {
        this.className = className;
        this.node = node;
    }

    boolean has(String k) {
        used.add(k);
        return node.has(k) && !node.get(k).isNull();
    }

    JsonNode get(String k) {
        used.add(k);
        return node.get(k);
    }

    int i(String k) {
        if (!has(k)) throw new IllegalArgumentException(className + ": missing constructor argument " + k);
        return node.get(k).asInt();
    }

    int i(String k, int def) {
        return has(k) ? node.get(k).asInt() : def;
    }

    double d(String k, double def) {
        return has(k) ? node.get(k).asDouble() : def;
    }

    boolean b(String k, boolean def) {
        return has(k) ? node.get(k).asBoolean() : def;
    }

    String s(String k, String def) {
        return has(k) ? node.get(k).asText() : def;
    }

    /** An int or a pair (kernel sizes, strides ...). */
    int[] pair(String k, int def) {
        if (!has(k)) return new int[] {def, def};
        JsonNode n = node.get(k);
        return n.isArray() ? new int[] {n.get(0).asInt(), n.get(1).asInt()} : new int[] {n.asInt(), n.asInt()};
    }

    /** Call after building: any argument the builder did not read is an error. */
    void checkAllUsed() {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!used.contains(k)) throw new IllegalArgumentException(className + ": unsupported constructor argument " + k + "=" + node.get(k));
        }
    }
}

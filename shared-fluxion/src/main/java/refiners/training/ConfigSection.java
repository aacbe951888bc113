package refiners.training;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One [section] of a TOML config: typed reads with defaults, errors naming "section.key", and a final check that
 * every key was known.
 */
final class ConfigSection {
    private final String name;
    private final JsonNode node;
    private final Set<String> known = new LinkedHashSet<>();

    ConfigSection(String name, JsonNode node) {
        if (node != null && !node.isObject()) throw new IllegalArgumentException("[" + name + "] must be a table");
        this.name = name;
        this.node = node;
    }

    boolean present() {
        return node != null;
    }

    String key(String k) {
        return name + "." + k;
    }

    private JsonNode get(String k) {
        known.add(k);
        JsonNode v = node == null ? null : node.get(k);
        return v == null || v.isNull() ? null : v;
    }

    boolean has(String k) {
        known.add(k);
        return node != null && node.has(k);
    }

    String string(String k, String def) {
        JsonNode v = get(k);
        if (v == null) return def;
        if (!v.isTextual()) throw new IllegalArgumentException(key(k) + " must be a string, got " + v);
        return v.asText();
    }

    long integer(String k, long def, long min) {
        JsonNode v = get(k);
        if (v == null) return def;
        if (!v.isIntegralNumber()) throw new IllegalArgumentException(key(k) + " must be an integer, got " + v);
        if (v.asLong() < min) throw new IllegalArgumentException(key(k) + " must be >= " + min + ", got " + v.asLong());
        return v.asLong();
    }

    double number(String k, double def, double min, double max) {
        JsonNode v = get(k);
        if (v == null) return def;
        if (!v.isNumber()) throw new IllegalArgumentException(key(k) + " must be a number, got " + v);
        double d = v.asDouble();
        if (!(d >= min && d <= max)) throw new IllegalArgumentException(key(k) + " must be in [" + min + ", " + max + "], got " + d);
        return d;
    }

    /** An optional number: null when absent. */
    Double optionalNumber(String k, double min, double max) {
        return has(k) && get(k) != null ? number(k, 0, min, max) : null;
    }

    boolean bool(String k, boolean def) {
        JsonNode v = get(k);
        if (v == null) return def;
        if (!v.isBoolean()) throw new IllegalArgumentException(key(k) + " must be true or false, got " + v);
        return v.asBoolean();
    }

    List<String> strings(String k, List<String> def) {
        JsonNode v = get(k);
        if (v == null) return def;
        if (!v.isArray()) throw new IllegalArgumentException(key(k) + " must be an array of strings, got " + v);
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) throw new IllegalArgumentException(key(k) + " must hold strings, got " + e);
            out.add(e.asText());
        }
        return out;
    }

    double[] numbers(String k, double[] def, int count) {
        JsonNode v = get(k);
        if (v == null) return def;
        if (!v.isArray() || v.size() != count) throw new IllegalArgumentException(key(k) + " must be an array of " + count + " numbers, got " + v);
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            if (!v.get(i).isNumber()) throw new IllegalArgumentException(key(k) + " must hold numbers, got " + v.get(i));
            out[i] = v.get(i).asDouble();
        }
        return out;
    }

    TimeValue time(String k, TimeValue def) {
        JsonNode v = get(k);
        if (v == null) return def;
        if (!v.isTextual() && !v.isIntegralNumber()) throw new IllegalArgumentException(key(k) + " must be a string like \"100:step\", got " + v);
        return TimeValue.parse(key(k), v.isTextual() ? v.asText() : v.asLong());
    }

    /** A sub-table (e.g. models.unet = {checkpoint = "..."}), or null. */
    ConfigSection table(String k) {
        JsonNode v = get(k);
        return v == null ? null : new ConfigSection(key(k), v);
    }

    /** Fails on keys no read asked for. */
    void checkKnown() {
        if (node == null) return;
        List<String> unknown = new ArrayList<>();
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) unknown.add(key(f));
        });
        if (!unknown.isEmpty()) throw new IllegalArgumentException("unknown key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                + " (known in [" + name + "]: " + String.join(", ", known) + ")");
    }
}

package refiners.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** "--name value" and "--flag" arguments; unknown options are errors naming them. */
final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    Args(String[] args, List<String> flags) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--")) {
                String name = a.substring(2);
                if (name.contains("=")) {
                    values.put(name.substring(0, name.indexOf('=')), name.substring(name.indexOf('=') + 1));
                } else if (flags.contains(name)) {
                    values.put(name, "true");
                } else {
                    if (i + 1 >= args.length) throw new IllegalArgumentException("--" + name + " needs a value");
                    values.put(name, args[++i]);
                }
            } else {
                positional.add(a);
            }
        }
    }

    void allow(List<String> known) {
        for (String k : values.keySet()) if (!known.contains(k)) throw new IllegalArgumentException("unknown option --" + k + " (known: --" + String.join(", --", known) + ")");
    }

    String get(String name, String def) {
        return values.getOrDefault(name, def);
    }

    int getInt(String name, int def) {
        String v = values.get(name);
        try {
            return v == null ? def : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer, got " + v);
        }
    }

    long getLong(String name, long def) {
        String v = values.get(name);
        try {
            return v == null ? def : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer, got " + v);
        }
    }

    double getDouble(String name, double def) {
        String v = values.get(name);
        try {
            return v == null ? def : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, got " + v);
        }
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(values.getOrDefault(name, "false"));
    }

    List<String> positional() {
        return positional;
    }
}

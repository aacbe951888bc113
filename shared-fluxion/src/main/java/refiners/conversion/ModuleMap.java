package refiners.conversion;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A module-level key map read from a resource table (refiners/conversion/*.tsv): external module path -> refiners
 * module path, with an optional tensor operation. A key maps by its module (everything before the last dot): the
 * parameter name (weight, bias) carries over.
 */
public final class ModuleMap {
    /** One row: where an external module goes, and how its tensors change on the way. */
    public record Entry(String refinersModule, String op) {}

    public static final String CONV1X1_TO_LINEAR = "conv1x1_to_linear";
    /** A matrix stored (in, out) for a Linear weight (out, in): transposed (a copy). */
    public static final String TRANSPOSE = "transpose";

    private final String name;
    private final Map<String, Entry> modules;

    private ModuleMap(String name, Map<String, Entry> modules) {
        this.name = name;
        this.modules = modules;
    }

    /** Loads refiners/conversion/{name}.tsv from the classpath. */
    public static ModuleMap load(String name) {
        Map<String, Entry> m = new LinkedHashMap<>();
        for (String[] row : rows(name + ".tsv")) m.put(row[0], new Entry(row[1], row.length > 2 ? row[2] : null));
        return new ModuleMap(name, Collections.unmodifiableMap(m));
    }

    /** Every module of these refiners keys to itself: a refiners-format file checked like a converted one. */
    public static ModuleMap identity(String name, java.util.Collection<String> refinersKeys) {
        return new ModuleMap(name, Map.of()).withIdentity(refinersKeys.toArray(String[]::new));
    }

    /** Rows of a tab-separated resource under refiners/conversion, comments and blank lines skipped. */
    static java.util.List<String[]> rows(String resource) {
        java.util.List<String[]> out = new java.util.ArrayList<>();
        try (InputStream in = ModuleMap.class.getResourceAsStream("/refiners/conversion/" + resource)) {
            if (in == null) throw new IllegalStateException("missing resource refiners/conversion/" + resource);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                out.add(line.split("\t"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The same map with legacy module names accepted too (table: legacy -> current external module). */
    public ModuleMap withAliases(String aliasTable) {
        Map<String, Entry> m = new LinkedHashMap<>(modules);
        for (String[] row : rows(aliasTable + ".tsv")) {
            Entry e = modules.get(row[1]);
            if (e == null) throw new IllegalStateException(aliasTable + ": alias target " + row[1] + " is not in " + name);
            m.put(row[0], e);
        }
        return new ModuleMap(name + "+" + aliasTable, Collections.unmodifiableMap(m));
    }

    /** The same map with these refiners keys' modules also taken as they are (keys a converter renamed itself). */
    public ModuleMap withIdentity(String... refinersKeys) {
        Map<String, Entry> m = new LinkedHashMap<>(modules);
        for (String k : refinersKeys) {
            String module = k.substring(0, k.lastIndexOf('.'));
            m.put(module, new Entry(module, null));
        }
        return new ModuleMap(name, Collections.unmodifiableMap(m));
    }

    public String name() {
        return name;
    }

    public Map<String, Entry> modules() {
        return modules;
    }

    /** The entry for an external key's module, or null. */
    public Entry entryForKey(String externalKey) {
        int dot = externalKey.lastIndexOf('.');
        return dot < 0 ? null : modules.get(externalKey.substring(0, dot));
    }

    /** The refiners key of an external key, or null when its module is not mapped. */
    public String refinersKey(String externalKey) {
        Entry e = entryForKey(externalKey);
        return e == null ? null : e.refinersModule() + externalKey.substring(externalKey.lastIndexOf('.'));
    }
}

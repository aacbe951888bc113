package refiners.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import refiners.fluxion.layers.Module;

/** Checks every oracle model runner shares: state-dict keys and shapes, and the tree printout. */
final class ModelChecks {
    private ModelChecks() {}

    /** The checks the manifest's model entry allows: state dict when it lists one, structure when it gives one. */
    static java.util.Map<String, org.junit.jupiter.api.function.Executable> of(JsonNode spec, java.util.function.Supplier<Module> build) {
        java.util.Map<String, org.junit.jupiter.api.function.Executable> out = new java.util.LinkedHashMap<>();
        String prefix = spec.has("name") ? spec.get("name").asText() + " " : "";
        if (spec.has("state_dict")) out.put(prefix + "state_dict keys and shapes", () -> stateDict(spec, build.get()));
        if (spec.has("structure")) out.put(prefix + "structure", () -> structure(spec, build.get()));
        return out;
    }

    static void stateDict(JsonNode spec, Module model) {
        List<String> expected = new ArrayList<>();
        for (JsonNode kv : spec.get("state_dict")) expected.add(kv.get(0).asText() + " " + Arrays.toString(OracleCase.shape(kv.get(1))));
        List<String> actual = new ArrayList<>();
        for (Map.Entry<String, long[]> e : model.stateDictShapes().entrySet()) actual.add(e.getKey() + " " + Arrays.toString(e.getValue()));
        if (!expected.equals(actual)) {
            List<String> missing = new ArrayList<>(expected), extra = new ArrayList<>(actual);
            missing.removeAll(actual);
            extra.removeAll(expected);
            throw new AssertionError(spec.get("name").asText() + ": state dict differs (order or content). missing "
                    + head(missing) + "; unexpected " + head(extra));
        }
        if (spec.has("num_tensors") && spec.get("num_tensors").asInt() != actual.size())
            throw new AssertionError("num_tensors " + actual.size() + ", expected " + spec.get("num_tensors").asInt());
    }

    static void structure(JsonNode spec, Module model) {
        String expected = spec.get("structure").asText();
        String actual = model.structure();
        if (!expected.equals(actual)) {
            String[] e = expected.split("\n"), a = actual.split("\n");
            for (int i = 0; i < Math.max(e.length, a.length); i++) {
                String el = i < e.length ? e[i] : "<end>", al = i < a.length ? a[i] : "<end>";
                if (!el.equals(al)) throw new AssertionError("structure differs at line " + (i + 1) + ":\n expected: " + el + "\n actual:   " + al);
            }
        }
    }

    private static String head(List<String> l) {
        return l.size() > 8 ? l.subList(0, 8) + " ... (" + l.size() + ")" : l.toString();
    }
}

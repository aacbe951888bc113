package refiners.conversion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import refiners.fluxion.Tensor;

/** Renames external tensors to a model's refiners keys through a {@link ModuleMap}, checking coverage and shapes. */
public final class KeyConversion {
    /** The converted tensors and what was left out on purpose. */
    public record Result(Map<String, Tensor> tensors, List<String> dropped) {
        public String report(String model) {
            return String.format("%s: %d tensors mapped, %d external keys dropped%s", model, tensors.size(), dropped.size(),
                    dropped.isEmpty() ? "" : " (" + String.join(", ", dropped.subList(0, Math.min(5, dropped.size()))) + (dropped.size() > 5 ? ", ..." : "") + ")");
        }
    }

    private KeyConversion() {}

    /**
     * The tensors with one bare external parameter (a key without a module, such as a class token) renamed to a
     * refiners key and reshaped to {@code shape} (same element count); the rest as they are.
     */
    static Map<String, Tensor> renameParameter(Map<String, Tensor> tensors, String from, String to, long... shape) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (!k.equals(from)) out.put(k, v);
            else out.put(to, v.numel() == Tensor.numel(shape) ? v.reshape(shape) : v); // a wrong size is reported by convert
        });
        return out;
    }

    /**
     * Converts {@code external} for a model whose keys and shapes are {@code expected}. Keys matching {@code droppable}
     * are ignored (buffers, EMA copies ...); anything else that does not map, any expected key without a tensor and any
     * shape mismatch are reported together in one ConversionException. Tensors are renamed or reshaped, never copied (but for the
     * rare matrix a table marks 'transpose').
     */
    public static Result convert(String source, Map<String, Tensor> external, ModuleMap map, Map<String, long[]> expected, Predicate<String> droppable) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>(), misshaped = new ArrayList<>(), dropped = new ArrayList<>();
        java.util.Set<String> misshapedTargets = new java.util.HashSet<>();
        Map<String, String> origin = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : external.entrySet()) {
            String key = e.getKey();
            ModuleMap.Entry entry = map.entryForKey(key);
            String target = entry == null ? null : map.refinersKey(key);
            if (target == null || !expected.containsKey(target)) {
                if (droppable.test(key)) dropped.add(key);
                else unexpected.add(key + " " + Arrays.toString(e.getValue().shape()));
                continue;
            }
            Tensor t = e.getValue();
            long[] want = expected.get(target);
            if (ModuleMap.CONV1X1_TO_LINEAR.equals(entry.op()) && t.rank() == 4 && t.dim(2) == 1 && t.dim(3) == 1) t = t.reshape(t.dim(0), t.dim(1));
            if (ModuleMap.TRANSPOSE.equals(entry.op()) && t.rank() == 2) t = refiners.fluxion.Tensors.transpose(t);
            if (!Arrays.equals(want, t.shape())) {
                misshaped.add(key + " " + Arrays.toString(t.shape()) + " (" + target + " needs " + Arrays.toString(want) + ")");
                misshapedTargets.add(target);
                continue;
            }
            if (origin.containsKey(target)) {
                unexpected.add(key + " (duplicate of " + origin.get(target) + " for " + target + ")");
                continue;
            }
            origin.put(target, key);
            out.put(target, t);
        }
        List<String> missing = new ArrayList<>();
        for (String k : expected.keySet()) if (!out.containsKey(k) && !misshapedTargets.contains(k)) missing.add(k);
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misshaped.isEmpty())
            throw new ConversionException(source + " does not match " + map.name() + ":"
                    + ConversionException.list("missing", missing) + ConversionException.list("unexpected", unexpected)
                    + ConversionException.list("wrong shape", misshaped));
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String k : expected.keySet()) ordered.put(k, out.get(k));
        return new Result(ordered, dropped);
    }
}

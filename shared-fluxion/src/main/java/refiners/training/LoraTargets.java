package refiners.training;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Module;

/**
 * The Linear layers LoRAs are trained on, as refiners' {@code lora_targets}: every Linear inside every block of the
 * named classes (e.g. "CrossAttentionBlock2d" for the UNet, "TransformerLayer" for the text encoder; subclasses count),
 * keyed by their state-dict prefix in the unadapted model, in walk order.
 */
public final class LoraTargets {
    private LoraTargets() {}

    public static Map<String, Linear> find(Chain model, List<String> blockClasses) {
        if (blockClasses.isEmpty()) return Map.of();
        Set<Module> inBlocks = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        int blocks = 0;
        for (Chain.Walked<Module> b : model.walk((m, p) -> isA(m, blockClasses), false)) {
            blocks++;
            if (b.module() instanceof Chain c) inBlocks.addAll(c.layers(Linear.class));
        }
        if (blocks == 0) throw new IllegalArgumentException("no " + blockClasses + " block in " + model.className());
        Map<String, Linear> out = new LinkedHashMap<>();
        collect(model, "", inBlocks, out);
        return out;
    }

    private static boolean isA(Module m, List<String> classes) {
        for (Class<?> c = m.getClass(); c != null; c = c.getSuperclass()) if (classes.contains(c.getSimpleName())) return true;
        return false;
    }

    private static void collect(Chain c, String prefix, Set<Module> targets, Map<String, Linear> out) {
        List<String> names = c.childNames();
        for (int i = 0; i < c.size(); i++) {
            Module m = c.get(i);
            String path = prefix + names.get(i);
            if (m instanceof Linear l && targets.contains(m)) out.put(path, l);
            else if (m instanceof Chain sub) collect(sub, path + ".", targets, out);
        }
    }
}

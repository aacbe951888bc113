package refiners.fluxion.adapters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.layers.Sum;
import refiners.fluxion.layers.WeightedModule;

/** Sums a target layer with any number of LoRAs, each with its own name and scale. */
public class LoraAdapter extends Sum implements Adapter<WeightedModule> {
    private final WeightedModule target;

    public LoraAdapter(WeightedModule target, Lora<?>... loras) {
        super(prepend(target, loras), true);
        this.target = target;
    }

    private static List<refiners.fluxion.layers.Module> prepend(WeightedModule target, Lora<?>[] loras) {
        List<refiners.fluxion.layers.Module> l = new java.util.ArrayList<>();
        l.add(target);
        l.addAll(List.of(loras));
        return l;
    }

    @Override
    public WeightedModule target() {
        return target;
    }

    @SuppressWarnings("unchecked")
    public List<Lora<?>> loraLayers() {
        return (List<Lora<?>>) (List<?>) layers(Lora.class);
    }

    public List<String> names() {
        return loraLayers().stream().map(Lora::name).toList();
    }

    public Map<String, Lora<?>> loras() {
        Map<String, Lora<?>> m = new LinkedHashMap<>();
        for (Lora<?> l : loraLayers()) m.put(l.name(), l);
        return m;
    }

    public Map<String, Double> scales() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Lora<?> l : loraLayers()) m.put(l.name(), l.scale());
        return m;
    }

    public void setScale(String name, double scale) {
        Lora<?> l = loras().get(name);
        if (l == null) throw new IllegalArgumentException("no LoRA named " + name + " on this layer (have " + names() + ")");
        l.setScale(scale);
    }

    public void addLora(Lora<?> lora) {
        if (names().contains(lora.name())) throw new IllegalArgumentException("a LoRA named " + lora.name() + " is already there");
        append(lora);
    }

    /** Removes the named LoRA; returns it, or null when absent. */
    public Lora<?> removeLora(String name) {
        Lora<?> l = loras().get(name);
        if (l != null) remove(l);
        return l;
    }
}

package refiners.fluxion.adapters;

import java.util.List;
import refiners.fluxion.layers.Module;
import refiners.fluxion.layers.Sum;
import refiners.fluxion.layers.WeightedModule;

/** target(x) + slot(x): a layer with a run-time LoRA slot ({@link LoraSlot} or {@link BatchedLoraSlot}). */
public class LoraSlotAdapter extends Sum implements Adapter<WeightedModule> {
    private final WeightedModule target;

    public LoraSlotAdapter(String key, WeightedModule target) {
        this(target, new LoraSlot(key, target));
    }

    public LoraSlotAdapter(WeightedModule target, Module slot) {
        super(List.of(target, slot), true);
        this.target = target;
    }

    @Override
    public WeightedModule target() {
        return target;
    }
}

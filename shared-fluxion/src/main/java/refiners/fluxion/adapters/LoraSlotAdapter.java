package refiners.fluxion.adapters;

import java.util.List;
import refiners.fluxion.layers.Sum;
import refiners.fluxion.layers.WeightedModule;

/** target(x) + slot(x): a layer with a run-time LoRA slot. */
public class LoraSlotAdapter extends Sum implements Adapter<WeightedModule> {
    private final WeightedModule target;

    public LoraSlotAdapter(String key, WeightedModule target) {
        super(List.of(target, new LoraSlot(key, target)), true);
        this.target = target;
    }

    @Override
    public WeightedModule target() {
        return target;
    }

    public LoraSlot slot() {
        return (LoraSlot) get(1);
    }
}

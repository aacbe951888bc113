package refiners.fluxion.layers;

import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Casts its inputs to the model's dtype (set_dtype); the device is the session's, so set_device is a no-op. */
public class Converter extends Module {
    private final boolean setDevice;
    private final boolean setDtype;

    public Converter(boolean setDevice, boolean setDtype) {
        this.setDevice = setDevice;
        this.setDtype = setDtype;
    }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("set_device", setDevice, true).addIfNot("set_dtype", setDtype, true);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        if (!setDtype) return args;
        List<Value> out = new ArrayList<>();
        for (Value v : args) out.add(v.cast(g.computeType()));
        return out;
    }
}

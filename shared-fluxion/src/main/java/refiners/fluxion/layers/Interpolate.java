package refiners.fluxion.layers;

import java.util.Arrays;
import java.util.List;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Takes (x, size) and resizes the spatial dimensions of x to size, nearest neighbour as torch does it. */
public class Interpolate extends Module {
    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        if (args.size() != 2) throw new IllegalArgumentException("Interpolate takes (x, size), got " + args.size() + " inputs");
        Value x = args.get(0), size = args.get(1);
        Value sizes = Value.concat(List.of(x.shapeOf(0, 2), size), 0);
        long[] out = x.shape();
        long[] known = size.known();
        for (int i = 2; i < out.length; i++) out[i] = known != null ? known[i - 2] : -1;
        // torch "nearest": source index = floor(dst * in / out), i.e. ONNX asymmetric + floor.
        return List.of(g.node("Resize", Arrays.asList(x, null, null, sizes), List.of(
                Attr.s("mode", "nearest"), Attr.s("coordinate_transformation_mode", "asymmetric"), Attr.s("nearest_mode", "floor")),
                x.dtype(), out));
    }
}

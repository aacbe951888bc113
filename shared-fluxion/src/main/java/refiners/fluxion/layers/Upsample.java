package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Value;

/**
 * Nearest upsampling then a 3x3 convolution. With a factor, the target size is factor x the input's; without, it is
 * the shape the matching Downsample registered in the "sampling" context.
 */
public class Upsample extends Chain {
    private final int channels;
    private final Integer upsampleFactor;

    public Upsample(int channels, Integer upsampleFactor) {
        super(new Parallel(new Identity(), upsampleFactor != null
                        ? new Lambda("_get_static_shape(x: torch.Tensor) -> torch.Size", (g, args) -> {
                            Value x = single(null, args);
                            return List.of(x.shapeOf(2, x.rank()).mul(g.constLongs(upsampleFactor)));
                        })
                        : new UseContext("sampling", "shapes").compose(shapes -> popLast(shapes))),
                new Interpolate(),
                new Conv2d(channels, channels, 3, 1, 1));
        this.channels = channels;
        this.upsampleFactor = upsampleFactor;
    }

    @SuppressWarnings("unchecked")
    private static Value popLast(Object shapes) {
        List<Value> l = (List<Value>) shapes;
        if (l.isEmpty()) throw new IllegalStateException("no shape left in context sampling.shapes: more Upsample than Downsample layers");
        return l.remove(l.size() - 1);
    }

    @Override
    protected void describe(Attributes a) {
        a.add("channels", channels);
        if (upsampleFactor != null) a.add("upsample_factor", upsampleFactor);
    }
}

package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Value;

/**
 * A stride-scale_factor 3x3 convolution. Registers the input's spatial size in the "sampling" context (for the
 * matching Upsample) and, without padding, pads right and bottom by one first, as the LDM autoencoder does.
 */
public class Downsample extends Chain {
    private final int channels;
    private final int scaleFactor;
    private final int padding;

    public Downsample(int channels, int scaleFactor, int padding, boolean registerShape) {
        super(new Conv2d(channels, channels, 3, scaleFactor, padding));
        this.channels = channels;
        this.scaleFactor = scaleFactor;
        this.padding = padding;
        if (padding == 0) insert(0, new Lambda("<lambda>(x)", (g, args) -> List.of(single(null, args).pad(0, 1, 0, 1))));
        if (registerShape) insert(0, new SetContext("sampling", "shapes", Downsample::registerShape));
    }

    public int channels() {
        return channels;
    }

    @SuppressWarnings("unchecked")
    private static void registerShape(Object shapes, Value x) {
        ((List<Value>) shapes).add(x.shapeOf(2, x.rank()));
    }

    @Override
    protected void describe(Attributes a) {
        a.add("channels", channels).add("scale_factor", scaleFactor).addIfNot("padding", padding, 0);
    }
}

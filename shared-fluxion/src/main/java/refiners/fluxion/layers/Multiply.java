package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** scale * x + bias, with constant scale and bias. */
public class Multiply extends Module {
    private double scale;
    private final double bias;

    public Multiply(double scale) {
        this(scale, 0.0);
    }

    public Multiply(double scale, double bias) {
        this.scale = scale;
        this.bias = bias;
    }

    public double scale() { return scale; }

    /** Changes the scale (compiled graphs embedding the old value are dropped). */
    public void setScale(double scale) {
        this.scale = scale;
        changed();
    }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("scale", scale, 1.0).addIfNot("bias", bias, 0.0);
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        Value y = scale == 1.0 ? x : x.mul(scale);
        return List.of(bias == 0.0 ? y : y.add(bias));
    }
}

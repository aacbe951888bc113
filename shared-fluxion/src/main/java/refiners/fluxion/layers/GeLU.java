package refiners.fluxion.layers;

import java.util.List;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;

/** Gaussian error linear unit. */
public class GeLU extends Module {
    private final GeLUApproximation approximation;

    public GeLU() {
        this(GeLUApproximation.NONE);
    }

    public GeLU(GeLUApproximation approximation) {
        this.approximation = approximation;
    }

    public GeLUApproximation approximation() {
        return approximation;
    }

    @Override
    public List<Value> lower(Graph g, List<Value> args) {
        Value x = single(this, args);
        return List.of(switch (approximation) {
            case NONE -> g.node("Gelu", List.of(x), List.of(Attr.s("approximate", "none")), x.dtype(), x.shape());
            case TANH -> g.node("Gelu", List.of(x), List.of(Attr.s("approximate", "tanh")), x.dtype(), x.shape());
            case SIGMOID -> x.mul(x.mul(1.702).sigmoid());
        });
    }
}

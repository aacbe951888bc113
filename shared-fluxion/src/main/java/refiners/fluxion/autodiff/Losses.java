package refiners.fluxion.autodiff;

import java.util.List;
import refiners.fluxion.compile.Attr;

/** Losses appended to a graph. */
public final class Losses {
    private Losses() {}

    /** mean((prediction - target)^2) over every element, as torch's mse_loss: a rank-0 value. */
    public static String meanSquaredError(GraphWriter w, String prediction, String target) {
        String diff = w.sub(prediction, target);
        return w.node("ReduceMean", List.of(w.mul(diff, diff)), Attr.i("keepdims", 0));
    }
}

package refiners.foundationals.latent_diffusion;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Passthrough;
import refiners.fluxion.layers.Residual;
import refiners.fluxion.layers.SetContext;
import refiners.fluxion.layers.UseContext;

/**
 * Ends a down block: adds residuals[n] of the "unet" context to x (0.0 unless an adapter such as ControlNet put a
 * residual there), stores the sum back as residuals[n] for the matching up block, and passes x on unchanged.
 */
public class ResidualAccumulator extends Passthrough {
    private final int n;

    public ResidualAccumulator(int n) {
        super(new Residual(new UseContext("unet", "residuals").compose(residuals -> UNetResiduals.get(residuals, n))),
                new SetContext("unet", "residuals", (residuals, x) -> UNetResiduals.set(residuals, n, x)));
        this.n = n;
    }

    public int n() { return n; }

    @Override
    protected void describe(Attributes a) {
        a.add("n", n);
    }
}

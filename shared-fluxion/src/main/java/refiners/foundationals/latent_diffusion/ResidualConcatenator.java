package refiners.foundationals.latent_diffusion;

import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Concatenate;
import refiners.fluxion.layers.Identity;
import refiners.fluxion.layers.UseContext;

/** Starts an up block: concatenates x with the skip connection residuals[n] of the "unet" context along channels. */
public class ResidualConcatenator extends Chain {
    private final int n;

    public ResidualConcatenator(int n) {
        super(new Concatenate(1, new Identity(),
                new UseContext("unet", "residuals").compose(residuals -> UNetResiduals.get(residuals, n))));
        this.n = n;
    }

    public int n() { return n; }

    @Override
    protected void describe(Attributes a) {
        a.add("n", n);
    }
}

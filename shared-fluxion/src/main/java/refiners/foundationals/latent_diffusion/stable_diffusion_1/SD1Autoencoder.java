package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import refiners.foundationals.latent_diffusion.LatentDiffusionAutoencoder;

/** Stable Diffusion 1.x's autoencoder (encoder scale 0.18215). */
public class SD1Autoencoder extends LatentDiffusionAutoencoder {
    public SD1Autoencoder() {
        super(0.18215);
    }
}

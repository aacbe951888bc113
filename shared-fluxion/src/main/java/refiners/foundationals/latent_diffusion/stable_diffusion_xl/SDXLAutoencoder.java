package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import refiners.foundationals.latent_diffusion.LatentDiffusionAutoencoder;

/** Stable Diffusion XL's autoencoder: SD1's architecture (and state-dict keys), encoder scale 0.13025. */
public class SDXLAutoencoder extends LatentDiffusionAutoencoder {
    public SDXLAutoencoder() {
        super(0.13025);
    }
}

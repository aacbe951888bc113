package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import refiners.conversion.SDXLComponent;

/**
 * The three Stable Diffusion XL models with their weights bound, for a process that runs them all. A service loads only
 * its own: {@link #textEncoder}, {@link #unet}, {@link #autoencoder}.
 */
public record SDXLModels(DoubleTextEncoder textEncoder, SDXLUNet unet, SDXLAutoencoder autoencoder, String source) {
    public static SDXLModels load(SDXLWeights weights) {
        return new SDXLModels(textEncoder(weights), unet(weights), autoencoder(weights), weights.describe());
    }

    /** Full-size models with detinit weights (seeds: text encoder 30 and UNet 31 as the oracle's, autoencoder 32). */
    public static SDXLModels detinit() {
        return load(SDXLWeights.detinit());
    }

    public static DoubleTextEncoder textEncoder(SDXLWeights weights) {
        DoubleTextEncoder encoder = new DoubleTextEncoder();
        encoder.loadStateDict(weights.stateDict(SDXLComponent.TEXT_ENCODER, encoder.className(), encoder.stateDictShapes()));
        return encoder;
    }

    public static SDXLUNet unet(SDXLWeights weights) {
        SDXLUNet unet = new SDXLUNet(4);
        unet.loadStateDict(weights.stateDict(SDXLComponent.UNET, unet.className(), unet.stateDictShapes()));
        return unet;
    }

    public static SDXLAutoencoder autoencoder(SDXLWeights weights) {
        SDXLAutoencoder lda = new SDXLAutoencoder();
        lda.loadStateDict(weights.stateDict(SDXLComponent.AUTOENCODER, lda.className(), lda.stateDictShapes()));
        return lda;
    }
}

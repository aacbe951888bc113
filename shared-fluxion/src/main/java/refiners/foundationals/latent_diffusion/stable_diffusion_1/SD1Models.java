package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import refiners.conversion.SD1Component;
import refiners.foundationals.clip.CLIPTextEncoderL;

/**
 * The three Stable Diffusion 1.x models with their weights bound, for a process that runs them all (the in-process
 * pipeline, the CLI). A service loads only its own: {@link #textEncoder}, {@link #unet}, {@link #autoencoder}.
 */
public record SD1Models(CLIPTextEncoderL textEncoder, SD1UNet unet, SD1Autoencoder autoencoder, String source) {
    public static SD1Models load(SD1Weights weights) {
        return new SD1Models(textEncoder(weights), unet(weights), autoencoder(weights), weights.describe());
    }

    /** Full-size models with detinit weights (the oracle's seeds: text encoder 3, UNet 4, autoencoder 5). */
    public static SD1Models detinit() {
        return load(SD1Weights.detinit());
    }

    public static CLIPTextEncoderL textEncoder(SD1Weights weights) {
        CLIPTextEncoderL clip = new CLIPTextEncoderL();
        clip.loadStateDict(weights.stateDict(SD1Component.TEXT_ENCODER, clip.className(), clip.stateDictShapes()));
        return clip;
    }

    public static SD1UNet unet(SD1Weights weights) {
        SD1UNet unet = new SD1UNet(4);
        unet.loadStateDict(weights.stateDict(SD1Component.UNET, unet.className(), unet.stateDictShapes()));
        return unet;
    }

    /** The 9-channel UNet of an inpainting checkpoint (detinit: seed 14, the oracle's). */
    public static SD1UNet inpaintingUnet(SD1Weights weights) {
        SD1UNet unet = new SD1UNet(9);
        unet.loadStateDict(weights.stateDict(SD1Component.INPAINTING_UNET, unet.className(), unet.stateDictShapes()));
        return unet;
    }

    public static SD1Autoencoder autoencoder(SD1Weights weights) {
        SD1Autoencoder lda = new SD1Autoencoder();
        lda.loadStateDict(weights.stateDict(SD1Component.AUTOENCODER, lda.className(), lda.stateDictShapes()));
        return lda;
    }
}

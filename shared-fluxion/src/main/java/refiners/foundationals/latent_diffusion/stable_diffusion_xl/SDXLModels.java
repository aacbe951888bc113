package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import refiners.conversion.SDXLComponent;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalAutoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;

/**
 * SDXL's three models with their weights bound; a service loads only its own ({@link #textEncoder}, {@link #unet},
 * {@link #autoencoder}). Detinit seeds: text encoder 30 and UNet 31 as the oracle's, autoencoder 32.
 */
public record SDXLModels(DoubleTextEncoder textEncoder, SDXLUNet unet, SDXLAutoencoder autoencoder, String source) {
    public static SDXLModels load(SDXLWeights weights) {
        return new SDXLModels(textEncoder(weights), unet(weights), autoencoder(weights), weights.describe());
    }

    public static SDXLModels detinit() {
        return load(SDXLWeights.detinit());
    }

    public static DoubleTextEncoder textEncoder(SDXLWeights weights) {
        return bind(new DoubleTextEncoder(), weights, SDXLComponent.TEXT_ENCODER);
    }

    public static SDXLUNet unet(SDXLWeights weights) {
        return bind(new SDXLUNet(4), weights, SDXLComponent.UNET);
    }

    public static SDXLAutoencoder autoencoder(SDXLWeights weights) {
        return bind(new SDXLAutoencoder(), weights, SDXLComponent.AUTOENCODER);
    }

    private static <M extends Chain> M bind(M model, SDXLWeights weights, SDXLComponent part) {
        model.loadStateDict(weights.stateDict(part, model.className(), model.stateDictShapes()));
        return model;
    }

    /** The text-encoder stage: DoubleTextEncoder on CLIP-L's token ids. */
    public static LocalTextEncoder textEncoderStage(DoubleTextEncoder model, CompileOptions options, LocalStages.LoraSource loras, Runner runner) {
        return new LocalTextEncoder(model, model.tokenizer(), options, loras, runner);
    }

    /** The three stages in this process, as the in-process pipeline runs them. */
    public LocalStages stages(CompileOptions options, LocalStages.LoraSource loras, Runner runner) {
        return new LocalStages(textEncoderStage(textEncoder, options, loras, runner), new LocalUNet(unet, options, loras, runner),
                new LocalAutoencoder(autoencoder, options, runner));
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import java.util.Map;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.compile.CompileOptions;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.ClassifierFreeGuidance;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;

/**
 * TEMPORARY (mesh branch): SD1Stages over the in-process models with full-size detinit weights, standing in for
 * LocalStages + SD1Models until they land in main; each model loads on first use. Delete when LocalStages is in main.
 */
public final class InterimLocalStages implements SD1Stages {
    private CLIPTextEncoderL textEncoder;
    private SD1UNet unet;
    private SD1Autoencoder autoencoder;

    public synchronized CLIPTextEncoderL textEncoder() {
        if (textEncoder == null) {
            CLIPTextEncoderL m = new CLIPTextEncoderL();
            m.loadStateDict(DetInit.cachedStateDict("clip-text-l", m.stateDictShapes(), 0));
            textEncoder = m;
        }
        return textEncoder;
    }

    public synchronized SD1UNet unet() {
        if (unet == null) {
            SD1UNet m = new SD1UNet(4);
            m.loadStateDict(DetInit.cachedStateDict("sd1-unet", m.stateDictShapes(), 0));
            unet = m;
        }
        return unet;
    }

    public synchronized SD1Autoencoder autoencoder() {
        if (autoencoder == null) {
            SD1Autoencoder m = new SD1Autoencoder();
            m.loadStateDict(DetInit.cachedStateDict("sd1-autoencoder", m.stateDictShapes(), 0));
            autoencoder = m;
        }
        return autoencoder;
    }

    @Override
    public Tensor encodeText(List<String> prompts) {
        return textEncoder().encode(prompts);
    }

    @Override
    public Denoiser openDenoiser(Tensor conditional, Tensor unconditional, double guidanceScale,
                                List<GenerationRequest.LoraWeight> loras, long[] latentShape) {
        SD1UNet model = unet();
        Tensor clip = Tensors.concat(List.of(unconditional, conditional));
        return new Denoiser() {
            @Override
            public Tensor guidedNoise(int stepIndex, double timestep, Tensor latents) {
                Tensor t = timestep == Math.rint(timestep) ? Tensor.ofLongs(new long[] {1}, (long) timestep) : Tensor.ofFloats(new long[] {1}, (float) timestep);
                Map<String, Map<String, Object>> contexts = Map.of(
                        "diffusion", Map.of("timestep", t),
                        CrossAttentionBlock.CONTEXT, Map.of("clip_text_embedding", clip));
                Tensor prediction = model.run(CompileOptions.defaults(), List.of(ClassifierFreeGuidance.batch(latents)), contexts).output();
                return ClassifierFreeGuidance.combine(prediction, guidanceScale);
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public Tensor decode(Tensor latents) {
        return autoencoder().decode(latents);
    }

    public Tensor encodeImage(Tensor image) {
        return autoencoder().encode(image);
    }
}

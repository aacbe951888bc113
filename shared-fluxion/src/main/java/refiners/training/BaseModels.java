package refiners.training;

import java.nio.file.Path;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Autoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/** The frozen base models of a training run: from refiners-format files per model, or sharing another set's weights. */
public final class BaseModels {
    private BaseModels() {}

    /** refiners-format safetensors per model, as refiners' training configs name them (mapped, not copied). */
    public static SD1Models fromCheckpoints(Path textEncoder, Path unet, Path autoencoder) {
        CLIPTextEncoderL te = new CLIPTextEncoderL();
        SD1UNet u = new SD1UNet(4);
        SD1Autoencoder lda = new SD1Autoencoder();
        te.loadStateDict(mapped(textEncoder));
        u.loadStateDict(mapped(unet));
        lda.loadStateDict(mapped(autoencoder));
        return new SD1Models(te, u, lda, "refiners-format checkpoints " + textEncoder + ", " + unet + ", " + autoencoder);
    }

    /**
     * Fresh models over the same weight tensors (mapped weights are shared, not copied): a plain pipeline next to
     * models whose structure LoRA slots change. Call it before adapting {@code models}.
     */
    public static SD1Models sharingWeights(SD1Models models) {
        CLIPTextEncoderL te = new CLIPTextEncoderL();
        SD1UNet u = new SD1UNet(models.unet().inChannels());
        SD1Autoencoder lda = new SD1Autoencoder();
        te.loadStateDict(models.textEncoder().stateDict());
        u.loadStateDict(models.unet().stateDict());
        lda.loadStateDict(models.autoencoder().stateDict());
        return new SD1Models(te, u, lda, models.source());
    }

    private static Map<String, Tensor> mapped(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            return st.all();
        }
    }
}

package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.util.List;
import refiners.fluxion.Tensor;
import refiners.fluxion.adapters.LoraWeights;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.ShapePolicy;
import refiners.fluxion.runtime.Runner;

/**
 * The three stages in this process (the mesh's services each run one of them the same way, which is why the mesh
 * gives the in-process pixels). The UNet and text encoder carry run-time LoRA slots when a LoRA source is given, so
 * each generation picks its own LoRA set without a new session; the UNet stage may also serve inpainting and
 * ControlNets (see LocalUNet).
 */
public final class LocalStages implements SD1Stages {
    /** Resolves LoRA names and scales to per-layer weights for each model (see LoraLibrary). */
    public interface LoraSource {
        List<LoraWeights> unet(List<GenerationRequest.LoraWeight> loras);

        List<LoraWeights> textEncoder(List<GenerationRequest.LoraWeight> loras);
    }

    /** How the mesh and the in-process pipeline compile: one session per model serves every image size. */
    public static final CompileOptions DEFAULT_OPTIONS = CompileOptions.defaults().withShapePolicy(ShapePolicy.DYNAMIC_BATCH_AND_SPATIAL);

    private final LocalTextEncoder textEncoder;
    private final LocalUNet unet;
    private final LocalAutoencoder autoencoder;
    private final LocalImageEncoder imageEncoder;

    public LocalStages(SD1Models models) {
        this(models, DEFAULT_OPTIONS, null);
    }

    /** On the shared runner (configured from the environment); {@code loras}: where LoRA sets come from (null: none). */
    public LocalStages(SD1Models models, CompileOptions options, LoraSource loras) {
        this(models, options, loras, Runner.shared());
    }

    /** On {@code runner}: its RuntimeConfig decides the device, threads and session cache of every stage. */
    public LocalStages(SD1Models models, CompileOptions options, LoraSource loras, Runner runner) {
        this(new LocalTextEncoder(models.textEncoder(), options, loras, runner), new LocalUNet(models.unet(), options, loras, runner),
                new LocalAutoencoder(models.autoencoder(), options, runner));
    }

    /** From stages built by the caller (e.g. a UNet stage with an inpainting UNet and ControlNets, as unet-svc builds it). */
    public LocalStages(LocalTextEncoder textEncoder, LocalUNet unet, LocalAutoencoder autoencoder) {
        this(textEncoder, unet, autoencoder, null);
    }

    /** @param imageEncoder the image-prompt encoder (null: requests with image prompts are refused) */
    public LocalStages(LocalTextEncoder textEncoder, LocalUNet unet, LocalAutoencoder autoencoder, LocalImageEncoder imageEncoder) {
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.autoencoder = autoencoder;
        this.imageEncoder = imageEncoder;
    }

    /** These stages with an image-prompt encoder. */
    public LocalStages withImageEncoder(LocalImageEncoder encoder) {
        return new LocalStages(textEncoder, unet, autoencoder, encoder);
    }

    @Override
    public Tensor encodeText(List<String> prompts, List<GenerationRequest.LoraWeight> loraSet) {
        return textEncoder.encode(prompts, loraSet);
    }

    @Override
    public List<Tensor> encodeTextWithPooling(List<String> prompts, List<GenerationRequest.LoraWeight> loraSet) {
        List<Tensor> out = textEncoder.encodeAll(prompts, loraSet);
        if (out.size() != 2) throw new IllegalStateException("model: this text encoder is Stable Diffusion 1.x's, not SDXL's");
        return out;
    }

    @Override
    public ImageFeatures encodeImages(List<Tensor> images) {
        if (imageEncoder == null) throw new IllegalStateException("image_prompts: no image encoder is configured (REFINERS_IMAGE_ENCODER_WEIGHTS)");
        return imageEncoder.encode(images);
    }

    @Override
    public Denoiser openDenoiser(Conditioning conditioning) {
        return unet.open(conditioning);
    }

    @Override
    public Tensor decode(Tensor latents) {
        return autoencoder.decode(latents);
    }

    @Override
    public Tensor encode(Tensor image) {
        return autoencoder.encode(image);
    }

    /** Forgets prepared LoRA sets (call after unloading or replacing a LoRA file). */
    public void clearLoraCache() {
        textEncoder.clearLoraCache();
        unet.clearLoraCache();
    }
}

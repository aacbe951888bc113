package refiners.pipeline;

import java.nio.file.Path;
import java.util.Optional;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ControlnetLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.IpAdapterLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalAutoencoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalImageEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalStages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalTextEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LoraLibrary;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Models;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLModels;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.SDXLWeights;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.StableDiffusion_XL;

/**
 * The same generation in this JVM (the reference the mesh must match bit for bit, and the benches' baseline): the same
 * loop over the in-process stages, built as the services build theirs; SD 1.x's, or SDXL's ({@link #sdxl}).
 */
public final class InProcessPipeline {
    private final LocalStages stages;
    private final boolean sdxl;

    private InProcessPipeline(LocalStages stages, boolean sdxl) {
        this.stages = stages;
        this.sdxl = sdxl;
    }

    /** SDXL's stages as the services build them ({@code loraDir}: the LoRA directory, read for SDXL's models). */
    public static InProcessPipeline sdxl(SDXLWeights weights, Optional<String> loraDir, Runner runner) {
        SDXLModels models = SDXLModels.load(weights);
        LoraLibrary loras = present(loraDir).map(d -> new LoraLibrary(Path.of(d), models.unet().stateDictShapes(), models.textEncoder().stateDictShapes())).orElse(null);
        return new InProcessPipeline(models.stages(LocalStages.DEFAULT_OPTIONS, loras, runner), true);
    }

    /** @param loraDir as REFINERS_LORA_DIR (empty: no LoRAs) */
    public InProcessPipeline(SD1Weights weights, Optional<String> loraDir) {
        this(weights, loraDir, Optional.empty(), Optional.empty(), Runner.shared());
    }

    /**
     * @param inpaintingWeights as REFINERS_INPAINTING_WEIGHTS (empty: no inpainting)
     * @param controlnetDir as REFINERS_CONTROLNET_DIR (empty: no ControlNets)
     */
    public InProcessPipeline(SD1Weights weights, Optional<String> loraDir, Optional<String> inpaintingWeights, Optional<String> controlnetDir, Runner runner) {
        this(weights, loraDir, inpaintingWeights, controlnetDir, Optional.empty(), Optional.empty(), runner);
    }

    /**
     * @param imageEncoderWeights as REFINERS_IMAGE_ENCODER_WEIGHTS (empty: no image prompts)
     * @param ipAdapterDir as REFINERS_IP_ADAPTER_DIR (empty: no IP-Adapters)
     */
    public InProcessPipeline(SD1Weights weights, Optional<String> loraDir, Optional<String> inpaintingWeights, Optional<String> controlnetDir,
                             Optional<String> imageEncoderWeights, Optional<String> ipAdapterDir, Runner runner) {
        this.sdxl = false;
        SD1Models models = SD1Models.load(weights);
        LoraLibrary loras = present(loraDir).map(d -> new LoraLibrary(Path.of(d))).orElse(null);
        this.stages = new LocalStages(new LocalTextEncoder(models.textEncoder(), LocalStages.DEFAULT_OPTIONS, loras, runner),
                new LocalUNet(models.unet(), present(inpaintingWeights).map(w -> SD1Models.inpaintingUnet(SD1Weights.parse(w))).orElse(null),
                        present(controlnetDir).map(d -> new ControlnetLibrary(Path.of(d))).orElse(null),
                        present(ipAdapterDir).map(d -> new IpAdapterLibrary(Path.of(d))).orElse(null), LocalStages.DEFAULT_OPTIONS, loras, runner),
                new LocalAutoencoder(models.autoencoder(), LocalStages.DEFAULT_OPTIONS, runner),
                present(imageEncoderWeights).map(w -> new LocalImageEncoder(LocalImageEncoder.load(w), LocalStages.DEFAULT_OPTIONS, runner)).orElse(null));
    }

    private static Optional<String> present(Optional<String> setting) {
        return setting.filter(s -> !s.isBlank());
    }

    public GenerationResult generate(GenerationRequest request, ProgressListener listener) {
        return sdxl ? StableDiffusion_XL.generate(request, stages, listener) : StableDiffusion_1.generate(request, stages, listener);
    }

    public LocalStages stages() {
        return stages;
    }
}

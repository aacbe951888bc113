package refiners.foundationals.latent_diffusion.stable_diffusion_xl;

import java.util.List;
import java.util.logging.Logger;
import refiners.fluxion.InvalidRequestException;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;

/**
 * Stable Diffusion XL, as refiners' StableDiffusion_XL runs it: the DoubleTextEncoder's embeddings and pooled
 * embeddings of (negative, prompt), the time ids from the request's size, then StableDiffusion_1's loop (the same
 * over in-process stages and over the mesh), text to image and image to image. Inpainting, ControlNets, image prompts
 * and reference-only control are SD 1.x's only.
 */
public final class StableDiffusion_XL {
    private static final Logger LOG = Logger.getLogger(StableDiffusion_XL.class.getName());

    /** The pixel count SDXL was trained around (its aspect buckets hold about 1024 x 1024 pixels). */
    public static final long TRAINED_PIXELS = 1024L * 1024;

    private StableDiffusion_XL() {}

    /**
     * refiners' time ids (1, 6) int64 for a generation of this size: original height and width, crop top and left
     * (0, 0), target height and width (refiners' default_time_ids are these at 1024 x 1024).
     */
    public static Tensor timeIds(int height, int width) {
        return Tensor.ofLongs(new long[] {1, 6}, height, width, 0, 0, height, width);
    }

    /**
     * Refuses what SDXL does not serve, naming the field; returns a warning (null: none) for a size far from the
     * trained pixel count (a quarter to four times it): allowed, but the images degrade.
     */
    public static String check(GenerationRequest request) {
        if (request.mask() != null) throw new InvalidRequestException("mask", "inpainting is served for Stable Diffusion 1.x only, not SDXL");
        if (!request.controlnets().isEmpty()) throw new InvalidRequestException("controlnets", "ControlNets are served for Stable Diffusion 1.x only, not SDXL");
        if (request.ipAdapter() != null) throw new InvalidRequestException("ip_adapter", "image prompts are served for Stable Diffusion 1.x only, not SDXL");
        if (request.reference() != null) throw new InvalidRequestException("reference_image", "reference-only control is served for Stable Diffusion 1.x only, not SDXL");
        long pixels = (long) request.width() * request.height();
        if (pixels * 4 >= TRAINED_PIXELS && pixels <= 4 * TRAINED_PIXELS) return null;
        return "width: SDXL was trained for about 1024x1024 pixels; at " + request.width() + "x" + request.height() + " its images degrade";
    }

    /** The UNet's text conditions: (negative, prompt) encoded in one batch with guidance, the prompt alone without; the time ids. */
    static StableDiffusion_1.TextConditions textConditions(SD1Stages stages, GenerationRequest request) {
        Tensor timeIds = timeIds(request.height(), request.width());
        if (!request.guided()) {
            List<Tensor> e = stages.encodeTextWithPooling(List.of(request.prompt()), request.loras());
            return new StableDiffusion_1.TextConditions(e.get(0), null, new SD1Stages.TextTimeConditions(e.get(1), null, timeIds));
        }
        List<Tensor> e = stages.encodeTextWithPooling(List.of(request.negativePrompt(), request.prompt()), request.loras());
        Tensor embedding = e.get(0), pooled = e.get(1);
        return new StableDiffusion_1.TextConditions(Tensors.narrow(embedding, 1, 1), Tensors.narrow(embedding, 0, 1),
                new SD1Stages.TextTimeConditions(Tensors.narrow(pooled, 1, 1), Tensors.narrow(pooled, 0, 1), timeIds));
    }

    public static GenerationResult generate(GenerationRequest request, SD1Stages stages, ProgressListener listener) {
        return generate(request, stages, listener, GaussianNoise.sample(request.seed(), request.latentShape()));
    }

    /** With explicit initial noise (1, 4, h, w) instead of the seed's. */
    public static GenerationResult generate(GenerationRequest request, SD1Stages stages, ProgressListener listener, Tensor noise) {
        String warning = check(request);
        if (warning != null) LOG.warning(warning);
        return StableDiffusion_1.generate(request, stages, listener, noise,
                StableDiffusion_1.solver(request.solver(), request.solverOptions(), request.steps(), request.firstStep()), StableDiffusion_XL::textConditions);
    }
}

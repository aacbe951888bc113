package refiners.foundationals.latent_diffusion.stable_diffusion_1;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import refiners.conversion.CLIPImageConversion;
import refiners.fluxion.DType;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.ShapePolicy;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.runtime.RunResult;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.clip.image.CLIPImageEncoderH;
import refiners.foundationals.latent_diffusion.image_prompt.ImagePreprocessing;

/**
 * The image-prompt encoder stage in this process: CLIPImageEncoderH, one call giving both what a plain IP-Adapter
 * takes (the embedding) and what IP-Adapter Plus takes (the penultimate hidden states, tapped from the same run).
 * Every call also encodes an all-zero input first: Plus' negative, and a batch of at least 2, whose rows ONNX
 * Runtime's CPU kernels compute alike at any size (a batch of 1 rounds differently), so an image gives the same bits
 * alone or in company.
 */
public final class LocalImageEncoder {
    /** The oracle's detinit seed of CLIPImageEncoderH. */
    public static final long DETINIT_SEED = 20;
    private static final long[] INPUT = {1, 3, ImagePreprocessing.DEFAULT_SIZE, ImagePreprocessing.DEFAULT_SIZE};

    private final CLIPImageEncoderH model;
    private final CompileOptions options;
    private final String penultimate;
    private final Runner runner;

    public LocalImageEncoder(CLIPImageEncoderH model, CompileOptions options, Runner runner) {
        this.model = model;
        this.runner = runner;
        Chain layers = (Chain) model.get(2);
        this.penultimate = model.pathOf(layers.get(layers.size() - 2));
        // static shapes (its position ids need a static sequence length): one session per number of rows
        this.options = options.withShapePolicy(ShapePolicy.STATIC).withTapPaths(List.of(penultimate));
    }

    /** "detinit" (full size, the oracle's seed) or a refiners-format file or transformers CLIPVisionModelWithProjection (folder or file). */
    public static CLIPImageEncoderH load(String weights) {
        CLIPImageEncoderH encoder = new CLIPImageEncoderH();
        encoder.loadStateDict(weights.equals("detinit") ? DetInit.cachedStateDict("CLIPImageEncoderH", encoder.stateDictShapes(), DETINIT_SEED)
                : CLIPImageConversion.stateDict(Path.of(weights), encoder.stateDictShapes()));
        return encoder;
    }

    /** (H, W, 3) uint8 images to the encoder's normalised inputs (1, 3, 224, 224). */
    public static List<Tensor> preprocess(List<Tensor> images) {
        return images.stream().map(ImagePreprocessing::preprocess).toList();
    }

    /** The features of (H, W, 3) uint8 images, in one model call. */
    public SD1Stages.ImageFeatures encode(List<Tensor> images) {
        List<List<Tensor>> one = List.of(preprocess(images));
        return encodePreprocessed(one).get(0);
    }

    /** The features of several requests' preprocessed images, in one model call (with one zero input). */
    public List<SD1Stages.ImageFeatures> encodePreprocessed(List<List<Tensor>> requests) {
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(Tensor.zeros(DType.F32, INPUT));
        for (List<Tensor> r : requests) inputs.addAll(r);
        RunResult run = runner.run(model, options, List.of(Tensors.concat(inputs)));
        Tensor embeddings = run.output(), hidden = run.tap(penultimate);
        Tensor zero = Tensors.narrow(hidden, 0, 1);
        List<SD1Stages.ImageFeatures> out = new ArrayList<>();
        int row = 1;
        for (List<Tensor> r : requests) {
            out.add(new SD1Stages.ImageFeatures(Tensors.narrow(embeddings, row, r.size()), Tensors.narrow(hidden, row, r.size()), zero));
            row += r.size();
        }
        return out;
    }
}

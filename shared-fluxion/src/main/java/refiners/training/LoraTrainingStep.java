package refiners.training;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import refiners.fluxion.Tensor;
import refiners.fluxion.autodiff.GradientModel;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.compile.Compiler;
import refiners.fluxion.compile.Contexts;
import refiners.fluxion.runtime.Runner;
import refiners.foundationals.clip.CLIPTextEncoderL;
import refiners.foundationals.latent_diffusion.CrossAttentionBlock;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;

/**
 * Forward and backward of one LoRA training step of Stable Diffusion 1.x, as refiners' LatentDiffusionTrainer computes
 * the loss: mse_loss(unet(noisy_latents), noise) with the timestep and CLIP text embedding set on the UNet, gradients
 * with respect to the UNet's LoRAs and, when the text encoder has LoRAs too, through the embedding into the text
 * encoder's (the UNet's graph also gives the embedding's gradient, which the text encoder's vector-Jacobian graph takes
 * as its cotangent). Graphs are compiled on the first step and again only if the batch shapes change.
 */
public final class LoraTrainingStep implements AutoCloseable {
    static final String EMBEDDING = CrossAttentionBlock.CONTEXT + ".clip_text_embedding";

    /** A step's loss and gradients (per model, in the order of its {@link TrainableLoras#parameters}). */
    public record Result(double loss, Tensor prediction, Tensor clipTextEmbedding, List<float[]> unetGradients, List<float[]> textEncoderGradients) {}

    private final SD1UNet unet;
    private final TrainableLoras unetLoras;
    private final CLIPTextEncoderL textEncoder;
    private final TrainableLoras textEncoderLoras;
    private final CompileOptions options;
    private final Runner runner;
    private GradientModel unetGraph, textEncoderGraph;
    private String signature;

    /** On the shared runner; textEncoder and textEncoderLoras are null when only the UNet is trained. */
    public LoraTrainingStep(SD1UNet unet, TrainableLoras unetLoras, CLIPTextEncoderL textEncoder, TrainableLoras textEncoderLoras, CompileOptions options) {
        this(unet, unetLoras, textEncoder, textEncoderLoras, options, Runner.shared());
    }

    /** On {@code runner} (its device, threads): forward runs through it, the gradient graphs get its configuration. */
    public LoraTrainingStep(SD1UNet unet, TrainableLoras unetLoras, CLIPTextEncoderL textEncoder, TrainableLoras textEncoderLoras, CompileOptions options,
                            Runner runner) {
        if ((textEncoder == null) != (textEncoderLoras == null)) throw new IllegalArgumentException("text encoder LoRAs need the text encoder, and the reverse");
        this.unet = unet;
        this.unetLoras = unetLoras;
        this.textEncoder = textEncoder;
        this.textEncoderLoras = textEncoderLoras;
        this.options = options;
        this.runner = runner;
    }

    /** Nodes of the UNet's forward + backward graph (0 before the first step). */
    public long nodeCount() {
        return unetGraph == null ? 0 : unetGraph.nodeCount();
    }

    public boolean trainsTextEncoder() {
        return textEncoder != null;
    }

    /** UNet LoRAs only: the text embedding is given (e.g. cached). */
    public Result run(Tensor noisyLatents, Tensor noise, Tensor timestep, Tensor clipTextEmbedding) {
        if (trainsTextEncoder()) throw new IllegalStateException("this step trains the text encoder: give token ids (runWithTextEncoder)");
        GradientModel.Result r = unetStep(noisyLatents, noise, timestep, clipTextEmbedding);
        return new Result(r.loss().toDoubleArray()[0], r.output(), clipTextEmbedding, unetLoras.gradients(r.gradients()), List.of());
    }

    /** UNet and text encoder LoRAs: the text embedding is computed from token ids (N, 77) with the text encoder's LoRAs. */
    public Result runWithTextEncoder(Tensor noisyLatents, Tensor noise, Tensor timestep, Tensor tokenIds) {
        if (!trainsTextEncoder()) throw new IllegalStateException("this step has no text encoder LoRAs: give the text embedding (run)");
        Map<String, Map<String, Object>> teContexts = textEncoderLoras.contexts();
        Tensor embedding = runner.run(textEncoder, options, List.of(tokenIds), teContexts).output();
        GradientModel.Result u = unetStep(noisyLatents, noise, timestep, embedding);
        if (textEncoderGraph == null)
            textEncoderGraph = GradientModel.vectorJacobian(textEncoder, List.of(spec(tokenIds)), options, teContexts, textEncoderLoras.inputs(), runner.config());
        GradientModel.Result te = textEncoderGraph.run(List.of(tokenIds), u.gradients().get(EMBEDDING), Contexts.collect(textEncoder, teContexts).tensors());
        return new Result(u.loss().toDoubleArray()[0], u.output(), embedding, unetLoras.gradients(u.gradients()), textEncoderLoras.gradients(te.gradients()));
    }

    private GradientModel.Result unetStep(Tensor noisyLatents, Tensor noise, Tensor timestep, Tensor embedding) {
        Map<String, Map<String, Object>> contexts = new LinkedHashMap<>(unetLoras.contexts());
        contexts.put("diffusion", Map.of("timestep", timestep));
        contexts.put(CrossAttentionBlock.CONTEXT, Map.of("clip_text_embedding", embedding));
        String sig = java.util.Arrays.toString(noisyLatents.shape()) + java.util.Arrays.toString(timestep.shape()) + timestep.dtype()
                + java.util.Arrays.toString(embedding.shape());
        if (unetGraph == null || !sig.equals(signature)) {
            if (unetGraph != null) unetGraph.close();
            List<String> wrt = new java.util.ArrayList<>(unetLoras.inputs());
            if (trainsTextEncoder()) wrt.add(EMBEDDING);
            unetGraph = GradientModel.meanSquaredError(unet, List.of(spec(noisyLatents)), options, contexts, wrt, runner.config());
            signature = sig;
        }
        return unetGraph.run(List.of(noisyLatents), noise, Contexts.collect(unet, contexts).tensors());
    }

    private Compiler.InputSpec spec(Tensor t) {
        return new Compiler.InputSpec(t.dtype(), options.shapePolicy().apply(t.shape()));
    }

    @Override
    public void close() {
        if (unetGraph != null) unetGraph.close();
        if (textEncoderGraph != null) textEncoderGraph.close();
    }
}

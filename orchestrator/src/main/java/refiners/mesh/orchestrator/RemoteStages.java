package refiners.mesh.orchestrator;

import com.google.protobuf.ByteString;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.ModelFamilies;
import refiners.mesh.WireTensors;
import refiners.proto.textencoder.v1.EncodeImageRequest;
import refiners.proto.textencoder.v1.EncodeRequest;
import refiners.proto.unet.v1.DenoiseControlnet;
import refiners.proto.unet.v1.DenoiseImagePrompt;
import refiners.proto.unet.v1.DenoiseStart;
import refiners.proto.vae.v1.DecodeRequest;
import refiners.proto.vae.v1.ImageFormat;

/**
 * SD1Stages over the mesh: the same generation loop runs here as in process, each stage call going to its service
 * (images to encode go to vae-svc, image prompts to text-encoder-svc, the UNet's conditions travel in the Denoise
 * Start).
 * Tensors cross the wire as raw bytes, so the result is bit-identical. One instance serves one generation.
 */
public final class RemoteStages implements SD1Stages {
    private final StageClients clients;
    private final Deadline generationDeadline;
    private final Duration stageTimeout;
    private volatile RemoteDenoiser denoiser;
    private volatile boolean cancelled;

    private final GenerationMetrics metrics;
    private final String generationId;
    private final String family;

    /**
     * @param metrics told of each step's transport and of a broken UNet stream resumed on a new one
     * @param generationId the generation's id, for the stages' logs
     */
    public RemoteStages(StageClients clients, Deadline generationDeadline, Duration stageTimeout, GenerationMetrics metrics, String generationId) {
        this(clients, generationDeadline, stageTimeout, metrics, generationId, ModelFamilies.SD15);
    }

    /** @param family the generation's model family: every stage call names it and goes to that family's replicas */
    public RemoteStages(StageClients clients, Deadline generationDeadline, Duration stageTimeout, GenerationMetrics metrics, String generationId,
                        String family) {
        this.family = family;
        this.clients = clients;
        this.generationId = generationId;
        this.metrics = metrics;
        this.generationDeadline = generationDeadline;
        this.stageTimeout = stageTimeout;
    }

    /** The sooner of the generation's deadline and one stage timeout from now. */
    private Deadline stageDeadline() {
        Deadline d = Deadline.after(stageTimeout.toMillis(), TimeUnit.MILLISECONDS);
        return d.isBefore(generationDeadline) ? d : generationDeadline;
    }

    @Override
    public Tensor encodeText(List<String> prompts, List<LoraWeight> loras) {
        return encodeText(prompts, loras, false).get(0);
    }

    @Override
    public List<Tensor> encodeTextWithPooling(List<String> prompts, List<LoraWeight> loras) {
        return encodeText(prompts, loras, true);
    }

    /** The embeddings (N, 77, 768; SDXL: 2048) and, for SDXL, the pooled embeddings (N, 1280). */
    private List<Tensor> encodeText(List<String> prompts, List<LoraWeight> loras, boolean pooled) {
        try {
            EncodeRequest.Builder request = EncodeRequest.newBuilder().addAllPrompts(prompts).setGenerationId(generationId).setModel(family);
            for (LoraWeight l : loras) request.addLoras(wire(l));
            var response = clients.textEncoder(family).withDeadline(stageDeadline()).encode(request.build()).await().indefinitely();
            Tensor embeddings = WireTensors.expect(WireTensors.fromMessage(response.getEmbeddings(), "embeddings"), "embeddings", DType.F32, prompts.size(), 77,
                    pooled ? 2048 : 768);
            if (!pooled) return List.of(embeddings);
            return List.of(embeddings, WireTensors.expect(WireTensors.fromMessage(response.getPooledEmbeddings(), "pooled_embeddings"), "pooled_embeddings",
                    DType.F32, prompts.size(), 1280));
        } catch (Throwable t) {
            throw Stage.TEXT_ENCODER.failure(t);
        }
    }

    @Override
    public ImageFeatures encodeImages(List<Tensor> images) {
        try {
            EncodeImageRequest.Builder request = EncodeImageRequest.newBuilder().setGenerationId(generationId);
            for (Tensor image : images) request.addImages(ByteString.copyFrom(Images.rgbToPng(image))); // lossless: the same pixels there
            var response = clients.textEncoder().withDeadline(stageDeadline()).encodeImage(request.build()).await().indefinitely();
            int n = images.size();
            return new ImageFeatures(
                    WireTensors.expect(WireTensors.fromMessage(response.getImageEmbeddings(), "image_embeddings"), "image_embeddings", DType.F32, n, 1024),
                    WireTensors.expect(WireTensors.fromMessage(response.getHiddenStates(), "hidden_states"), "hidden_states", DType.F32, n, 257, 1280),
                    WireTensors.expect(WireTensors.fromMessage(response.getZeroHiddenStates(), "zero_hidden_states"), "zero_hidden_states", DType.F32, 1, 257, 1280));
        } catch (Throwable t) {
            throw Stage.TEXT_ENCODER.failure(t);
        }
    }

    @Override
    public Denoiser openDenoiser(Conditioning c) {
        DenoiseStart.Builder start = DenoiseStart.newBuilder()
                .setConditionalEmbedding(WireTensors.toMessage(c.conditional()))
                .setGuidanceScale((float) c.guidanceScale())
                .setGenerationId(generationId)
                .setModel(family);
        if (c.textTime() != null) {
            start.setPooledConditional(WireTensors.toMessage(c.textTime().pooledConditional())).setTimeIds(WireTensors.toMessage(c.textTime().timeIds()));
            if (c.guided()) start.setPooledUnconditional(WireTensors.toMessage(c.textTime().pooledUnconditional()));
        }
        if (c.guided()) start.setUnconditionalEmbedding(WireTensors.toMessage(c.unconditional()));
        for (long d : c.latentShape()) start.addLatentShape(d);
        for (LoraWeight l : c.loras()) start.addLoras(wire(l));
        if (c.inpainting()) start.setMaskLatents(WireTensors.toMessage(c.maskLatents())).setTargetLatents(WireTensors.toMessage(c.targetLatents()));
        for (ControlnetCondition cn : c.controlnets())
            start.addControlnets(DenoiseControlnet.newBuilder().setName(cn.name()).setCondition(WireTensors.toMessage(cn.condition()))
                    .setScale(cn.scale()).setScaleDecay(cn.scaleDecay()));
        if (c.imagePrompt() != null) start.setImagePrompt(wire(c.imagePrompt()));
        if (c.referenced()) start.setReferenceStyleCfg(c.referenceStyleCfg());
        RemoteDenoiser opened = new RemoteDenoiser(clients.unet(family), generationDeadline, stageTimeout, metrics);
        denoiser = opened;
        if (cancelled) opened.cancel();
        opened.start(start.build());
        return opened;
    }

    private static DenoiseImagePrompt wire(ImagePrompt p) {
        return DenoiseImagePrompt.newBuilder().setAdapter(p.adapter()).setScale(p.scale()).addAllWeights(p.weights())
                .setImageEmbeddings(WireTensors.toMessage(p.features().embeddings())).setHiddenStates(WireTensors.toMessage(p.features().hiddenStates()))
                .setZeroHiddenStates(WireTensors.toMessage(p.features().zeroHiddenStates())).build();
    }

    private static refiners.proto.common.v1.LoraWeight wire(LoraWeight l) {
        return refiners.proto.common.v1.LoraWeight.newBuilder().setName(l.name()).setScale((float) l.scale()).build();
    }

    @Override
    public Tensor encode(Tensor image) {
        try {
            var response = clients.vae(family).withDeadline(stageDeadline())
                    .encode(refiners.proto.vae.v1.EncodeRequest.newBuilder().setTensor(WireTensors.toMessage(image)).setGenerationId(generationId).setModel(family).build())
                    .await().indefinitely();
            return WireTensors.expect(WireTensors.fromMessage(response.getLatents(), "latents"), "latents", DType.F32, 1, 4, image.dim(2) / 8, image.dim(3) / 8);
        } catch (Throwable t) {
            throw Stage.VAE.failure(t);
        }
    }

    @Override
    public Tensor decode(Tensor latents) {
        try {
            var response = clients.vae(family).withDeadline(stageDeadline())
                    .decode(DecodeRequest.newBuilder().setLatents(WireTensors.toMessage(latents)).setFormat(ImageFormat.IMAGE_FORMAT_TENSOR)
                            .setGenerationId(generationId).setModel(family).build())
                    .await().indefinitely();
            return WireTensors.expect(WireTensors.fromMessage(response.getTensor(), "image"), "image", DType.F32, 1, 3, 8 * latents.dim(2), 8 * latents.dim(3));
        } catch (Throwable t) {
            throw Stage.VAE.failure(t);
        }
    }

    /** Stops the generation's UNet stream now (the caller went away): the service stops within one step. */
    public void cancel() {
        cancelled = true;
        RemoteDenoiser d = denoiser;
        if (d != null) d.cancel();
    }

    /** UNet call time reported by the service, summed over the steps (each call shared with its batch mates). */
    public double unetServiceSeconds() {
        RemoteDenoiser d = denoiser;
        return d == null ? 0 : d.serviceSeconds();
    }

    /** Time the steps waited in unet-svc's queue; the rest of a step's time, beyond the call, is transport. */
    public double unetQueueSeconds() {
        RemoteDenoiser d = denoiser;
        return d == null ? 0 : d.queueSeconds();
    }
}

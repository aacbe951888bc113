package refiners.mesh.unet;

import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jboss.logging.Logger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalUNet;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.GenerationIds;
import refiners.mesh.MeshLoras;
import refiners.mesh.ModelFamilies;
import refiners.mesh.ModelWork;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseControlnet;
import refiners.proto.unet.v1.DenoiseReady;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;
import refiners.proto.unet.v1.DenoiseResult;
import refiners.proto.unet.v1.DenoiseStart;
import refiners.proto.unet.v1.DenoiseStep;

/**
 * One Denoise stream: the Start opens a generation (LoRAs, inpainting conditions, ControlNets and their conditions,
 * image prompts, reference-only control)
 * on the worker pool, each Step goes to {@link UNetSteps}, which computes it together with the waiting steps of other
 * streams. Nothing but the Start is kept between steps, so any replica can take a generation over from its next step.
 * Closing (end, failure or cancellation of the stream) drops a step still waiting; a step already in a call finishes
 * with its batch mates.
 */
final class DenoiseSession {
    private static final Logger LOG = Logger.getLogger(DenoiseSession.class);
    static final String REPLICA = System.getenv().getOrDefault("HOSTNAME", "local") + "/" + ProcessHandle.current().pid();

    private final UNetModel unets;
    private final List<String> served;
    private final MeshLoras loras;
    private final UNetControlnets controlnets;
    private final UNetIpAdapters ipAdapters;
    private final ModelWork work;
    private final UNetSteps steps;
    private final long maxPixels;
    private final Tracer tracer;

    private long[] latentShape;
    private boolean referenced;
    private String generationId = "";
    private volatile LocalUNet.Generation generation;
    private volatile boolean closed;

    DenoiseSession(UNetModel unets, List<String> served, MeshLoras loras, UNetControlnets controlnets, UNetIpAdapters ipAdapters, ModelWork work,
                   UNetSteps steps, long maxPixels, Tracer tracer) {
        this.ipAdapters = ipAdapters;
        this.tracer = tracer;
        this.unets = unets;
        this.served = served;
        this.loras = loras;
        this.controlnets = controlnets;
        this.work = work;
        this.steps = steps;
        this.maxPixels = maxPixels;
    }

    Uni<DenoiseResponse> handle(DenoiseRequest request) {
        try {
            return switch (request.getKindCase()) {
                case START -> start(request.getStart());
                case STEP -> step(request.getStep());
                case KIND_NOT_SET -> throw WireTensors.invalid("kind", "a DenoiseRequest must hold a start or a step");
            };
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
    }

    private Uni<DenoiseResponse> start(DenoiseStart start) {
        if (latentShape != null) throw WireTensors.invalid("start", "sent twice on one stream");
        long[] shape = start.getLatentShapeList().stream().mapToLong(Long::longValue).toArray();
        if (shape.length != 4 || shape[0] != 1 || shape[1] != 4 || shape[2] < 1 || shape[3] < 1)
            throw WireTensors.invalid("start.latent_shape", "expected (1, 4, h, w), got " + Arrays.toString(shape));
        if (shape[2] * shape[3] * 64 > maxPixels)
            throw WireTensors.invalid("start.latent_shape", Arrays.toString(shape) + " exceeds the " + maxPixels + "-pixel budget");
        String family = ModelFamilies.resolve(start.getModel(), served, "start.model");
        boolean sdxl = family.equals(ModelFamilies.SDXL);
        LocalUNet unet = unets.get(family);
        long width = sdxl ? 2048 : 768;
        Tensor cond = WireTensors.expect(WireTensors.fromMessage(start.getConditionalEmbedding(), "start.conditional_embedding"),
                "start.conditional_embedding", DType.F32, 1, 77, width);
        double guidance = start.getGuidanceScale();
        if (!Double.isFinite(guidance)) throw WireTensors.invalid("start.guidance_scale", "must be a finite number, got " + guidance);
        // guidance off: one sample per step, the negative prompt (sent or not) plays no part
        Tensor uncond = guidance <= GenerationRequest.GUIDANCE_OFF ? null
                : WireTensors.expect(WireTensors.fromMessage(start.getUnconditionalEmbedding(), "start.unconditional_embedding"),
                        "start.unconditional_embedding", DType.F32, 1, 77, width);
        List<LoraWeight> weights = loras.require(start.getLorasList());
        Tensor mask = null, target = null;
        if (start.hasMaskLatents() || start.hasTargetLatents()) {
            if (!start.hasMaskLatents() || !start.hasTargetLatents())
                throw WireTensors.invalid(start.hasMaskLatents() ? "start.target_latents" : "start.mask_latents", "inpainting needs both the mask and the target latents");
            mask = WireTensors.expect(WireTensors.fromMessage(start.getMaskLatents(), "start.mask_latents"), "start.mask_latents", DType.F32, 1, 1, shape[2], shape[3]);
            target = WireTensors.expect(WireTensors.fromMessage(start.getTargetLatents(), "start.target_latents"), "start.target_latents", DType.F32, shape);
            if (!unet.servesInpainting())
                throw Status.FAILED_PRECONDITION.withDescription("mask: this unet-svc has no inpainting UNet: configure one with REFINERS_INPAINTING_WEIGHTS "
                        + "(an inpainting checkpoint such as sd-v1-5-inpainting: diffusers folder, single file or refiners folder; or detinit)").asRuntimeException();
        }
        List<SD1Stages.ControlnetCondition> conditions = new ArrayList<>();
        for (int i = 0; i < start.getControlnetsCount(); i++) {
            DenoiseControlnet c = start.getControlnets(i);
            String field = "controlnets[" + i + "]";
            controlnets.require(c.getName(), field + ".name");
            for (SD1Stages.ControlnetCondition earlier : conditions)
                if (earlier.name().equals(c.getName())) throw WireTensors.invalid(field + ".name", "'" + c.getName() + "' is listed twice");
            Tensor condition = WireTensors.expect(WireTensors.fromMessage(c.getCondition(), field + ".condition"), field + ".condition",
                    DType.F32, 1, 3, 8 * shape[2], 8 * shape[3]);
            if (!Double.isFinite(c.getScale())) throw WireTensors.invalid(field + ".scale", "must be finite, got " + c.getScale());
            if (!Double.isFinite(c.getScaleDecay())) throw WireTensors.invalid(field + ".scale_decay", "must be finite, got " + c.getScaleDecay());
            conditions.add(new SD1Stages.ControlnetCondition(c.getName(), condition, c.getScale(), c.getScaleDecay()));
        }
        SD1Stages.ImagePrompt imagePrompt = start.hasImagePrompt() ? ImagePromptStart.parse(start.getImagePrompt(), ipAdapters) : null;
        Double styleCfg = start.hasReferenceStyleCfg() ? referenceStyleCfg(start.getReferenceStyleCfg(), uncond, mask) : null;
        SD1Stages.TextTimeConditions textTime = sdxl ? SDXLStart.textTime(start, uncond != null) : SDXLStart.refuse(start);
        if (sdxl && (mask != null || !conditions.isEmpty() || imagePrompt != null || styleCfg != null))
            throw WireTensors.invalid(mask != null ? "start.mask_latents" : !conditions.isEmpty() ? "start.controlnets" : imagePrompt != null ? "start.image_prompt"
                    : "start.reference_style_cfg", "is served for Stable Diffusion 1.x only, not SDXL");
        SD1Stages.Conditioning conditioning = new SD1Stages.Conditioning(cond, uncond, guidance, weights, shape, mask, target, conditions, imagePrompt, styleCfg,
                textTime);
        latentShape = shape;
        referenced = styleCfg != null;
        generationId = start.getGenerationId();
        GenerationIds.within(generationId, () -> LOG.infof("denoise stream: %s, latents %s, guidance %.2f, %d LoRAs, on %s", family, Arrays.toString(shape), guidance,
                weights.size(), REPLICA));
        return GenerationIds.within(generationId, () -> work.run(() -> {
            if (closed) throw Status.CANCELLED.withDescription("stream closed").asRuntimeException();
            generation = unet.open(conditioning);
            return DenoiseResponse.newBuilder().setReady(DenoiseReady.newBuilder().setReplica(REPLICA)).build();
        }));
    }

    /** Reference-only control's style_cfg checked: in 0..1, with guidance (the pair layout), without inpainting. */
    private static double referenceStyleCfg(double styleCfg, Tensor uncond, Tensor mask) {
        String field = "start.reference_style_cfg";
        if (!(styleCfg >= 0 && styleCfg <= 1)) throw WireTensors.invalid(field, "must be in 0..1, got " + styleCfg);
        if (uncond == null) throw WireTensors.invalid(field, "reference-only control needs guidance (guidance_scale above " + (int) GenerationRequest.GUIDANCE_OFF + ")");
        if (mask != null) throw WireTensors.invalid(field, "reference-only control does not go with inpainting");
        return styleCfg;
    }

    private Uni<DenoiseResponse> step(DenoiseStep step) {
        if (latentShape == null) throw Status.FAILED_PRECONDITION.withDescription("step: a Denoise stream must begin with a start").asRuntimeException();
        Tensor latents = WireTensors.expect(WireTensors.fromMessage(step.getLatents(), "step.latents"), "step.latents", DType.F32, latentShape);
        Tensor reference = null;
        if (referenced) reference = WireTensors.expect(WireTensors.fromMessage(step.getReferenceLatents(), "step.reference_latents"), "step.reference_latents",
                DType.F32, 2, latentShape[1], latentShape[2], latentShape[3]);
        else if (step.hasReferenceLatents()) throw WireTensors.invalid("step.reference_latents", "the stream's start has no reference_style_cfg");
        double timestep = step.getTimestep();
        if (!Double.isFinite(timestep) || timestep < 0) throw WireTensors.invalid("step.timestep", "must be a finite non-negative number, got " + timestep);
        if (closed) throw Status.CANCELLED.withDescription("stream closed").asRuntimeException();
        // one span per step, child of the stream's (the generation's trace): its wait for a batch and its call
        Span span = tracer.spanBuilder("unet step").setParent(Context.current()).setAttribute("refiners.step", step.getStepIndex())
                .setAttribute("refiners.timestep", timestep).startSpan();
        return steps.submit(this, new LocalUNet.Step(generation, timestep, latents, reference)).map(r -> {
            span.setAttribute("refiners.batch_size", r.batchSize());
            return DenoiseResponse.newBuilder().setResult(DenoiseResult.newBuilder().setStepIndex(step.getStepIndex()).setNoise(WireTensors.toMessage(r.output()))
                    .setSeconds(r.callSeconds()).setQueueSeconds(r.queueSeconds()).setBatchSize(r.batchSize())).build();
        }).onTermination().invoke((r, failure, cancelled) -> {
            if (failure != null) span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
            span.end();
        });
    }

    /** The stream ended: a step still waiting is dropped (by its cancelled subscription), and no call waits for the next. */
    void close() {
        closed = true;
        steps.leave(this);
    }
}

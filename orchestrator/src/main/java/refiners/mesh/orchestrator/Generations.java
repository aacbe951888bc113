package refiners.mesh.orchestrator;

import io.grpc.Deadline;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import refiners.fluxion.InvalidRequestException;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationResult;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.ProgressListener;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.StableDiffusion_1;
import refiners.foundationals.latent_diffusion.stable_diffusion_xl.StableDiffusion_XL;
import refiners.mesh.GenerateRequests;
import refiners.mesh.GenerationIds;
import refiners.mesh.GrpcErrors;
import refiners.mesh.MeshConfig;
import refiners.mesh.ModelFamilies;
import refiners.mesh.ModelWork;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.Progress;
import refiners.proto.orchestrator.v1.Result;
import refiners.proto.orchestrator.v1.Timings;

/**
 * Generations for both front doors (gRPC and REST): validation, then the generation loop over RemoteStages on the
 * workers (ModelWork), as a stream of progress events ending with the result. A caller that goes away cancels it.
 */
@ApplicationScoped
public class Generations {
    private static final Logger LOG = Logger.getLogger(Generations.class);
    @Inject
    OrchestratorConfig config;
    @Inject
    MeshConfig mesh;
    @Inject
    StageClients clients;
    @Inject
    ModelWork work;
    @Inject
    GrpcErrors errors;
    @Inject
    GenerationMetrics metrics;
    @Inject
    Tracer tracer;

    /** The validated request, or INVALID_ARGUMENT naming the field. */
    public GenerationRequest validate(GenerateRequest request) {
        try {
            if (request.getPreviewEvery() < 0) throw new InvalidRequestException("preview_every", "must be >= 0, got " + request.getPreviewEvery());
            return GenerateRequests.toGenerationRequest(request, mesh.maxPixels());
        } catch (InvalidRequestException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
    }

    /**
     * The model family the request names (empty: the first served), INVALID_ARGUMENT naming {@code model} when it is
     * not served; for SDXL, a field it does not serve is INVALID_ARGUMENT naming it, a size far from its training is
     * logged (served, but the images degrade).
     */
    public String family(GenerateRequest wire, GenerationRequest request) {
        String family = ModelFamilies.resolve(wire.getModel(), mesh.servedModels(), "model");
        if (!family.equals(ModelFamilies.SDXL)) return family;
        try {
            String warning = StableDiffusion_XL.check(request);
            if (warning != null) LOG.warn(warning);
        } catch (InvalidRequestException e) {
            throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
        }
        return family;
    }

    /**
     * @param family the model family (see {@link #family})
     * @param callerDeadline the caller's deadline, or null for the configured generation timeout
     */
    public Multi<GenerateEvent> generate(GenerationRequest request, String family, int previewEvery, Deadline callerDeadline) {
        Deadline deadline = callerDeadline != null ? callerDeadline
                : Deadline.after(config.generationTimeout().toMillis(), TimeUnit.MILLISECONDS);
        Context caller = Context.current(); // the caller's trace (the gRPC or REST server span)
        String id = newId();
        return Multi.createFrom().emitter(em -> {
            RemoteStages stages = new RemoteStages(clients, deadline, config.stageTimeout(), metrics, id, family);
            AtomicBoolean finished = new AtomicBoolean();
            Cancellable task = GenerationIds.within(id, () -> work.run(() -> traced(caller, id, request, () -> run(request, family, previewEvery, deadline, stages, em))))
                    .subscribe().with(result -> {
                        finished.set(true);
                        em.emit(result);
                        em.complete();
                    }, failure -> {
                        finished.set(true);
                        em.fail(errors.asStatus(failure));
                    });
            em.onTermination(() -> {
                if (!finished.get()) {
                    stages.cancel();
                    task.cancel();
                }
            });
        });
    }

    /** A generation's id: on its log lines (all services) and its trace span. */
    static String newId() {
        return String.format("%012x", GenerateRequests.randomSeed() & 0xffffffffffffL);
    }

    /** The generation as one span, child of the caller's; the stage calls made within it are its children. */
    private GenerateEvent traced(Context caller, String id, GenerationRequest request, Supplier<GenerateEvent> generation) {
        Span span = tracer.spanBuilder("generation").setParent(caller).setAttribute("refiners.generation.id", id)
                .setAttribute("refiners.steps", request.steps()).setAttribute("refiners.solver", request.solver())
                .setAttribute("refiners.width", request.width()).setAttribute("refiners.height", request.height()).startSpan();
        long t0 = System.nanoTime();
        LOG.infof("generation: %dx%d, %d steps, %s, %d LoRAs", request.width(), request.height(), request.steps(), request.solver(), request.loras().size());
        try (Scope scope = span.makeCurrent()) {
            GenerateEvent result = generation.get();
            LOG.infof("generation done in %.2f s", (System.nanoTime() - t0) / 1e9);
            return result;
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
            LOG.infof("generation failed after %.2f s: %s", (System.nanoTime() - t0) / 1e9, e.getMessage());
            throw e;
        } finally {
            span.end();
        }
    }

    private GenerateEvent run(GenerationRequest request, String family, int previewEvery, Deadline deadline, RemoteStages stages,
                              MultiEmitter<? super GenerateEvent> em) {
        if (em.isCancelled()) throw Status.CANCELLED.withDescription("the caller cancelled the generation").asRuntimeException();
        metrics.started();
        try {
            ProgressListener progress = (step, total, elapsed, latents) -> {
                if (em.isCancelled()) throw Status.CANCELLED.withDescription("the caller cancelled the generation").asRuntimeException();
                if (deadline.isExpired()) throw Status.DEADLINE_EXCEEDED.withDescription("generation deadline exceeded at step " + step + " of " + total).asRuntimeException();
                Progress.Builder p = Progress.newBuilder().setStep(step).setTotalSteps(total).setElapsedSeconds(elapsed);
                if (previewEvery > 0 && step % previewEvery == 0) p.setPreviewPng(com.google.protobuf.ByteString.copyFrom(LatentPreview.png(latents)));
                em.emit(GenerateEvent.newBuilder().setProgress(p).build());
            };
            GenerationResult r = family.equals(ModelFamilies.SDXL) ? StableDiffusion_XL.generate(request, stages, progress)
                    : StableDiffusion_1.generate(request, stages, progress);
            metrics.record(r.timings(), request.steps() - request.firstStep()); // the steps run
            var t = r.timings();
            return GenerateEvent.newBuilder().setResult(Result.newBuilder()
                    .setPng(com.google.protobuf.ByteString.copyFrom(Images.toPng(r.image())))
                    .setSeed(r.seed())
                    .setWidth((int) r.image().dim(3))
                    .setHeight((int) r.image().dim(2))
                    .setTimings(Timings.newBuilder()
                            .setTextEncoderSeconds(t.textEncoderSeconds())
                            .setUnetSeconds(t.unetSeconds())
                            .setSolverSeconds(t.solverSeconds())
                            .setVaeSeconds(t.vaeSeconds())
                            .setTotalSeconds(t.totalSeconds())
                            .setUnetComputeSeconds(stages.unetServiceSeconds())
                            .setUnetQueueSeconds(stages.unetQueueSeconds()))).build();
        } finally {
            metrics.ended();
        }
    }
}

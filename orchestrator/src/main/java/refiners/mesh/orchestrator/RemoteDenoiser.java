package refiners.mesh.orchestrator;

import io.grpc.Status;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;
import refiners.proto.unet.v1.DenoiseStart;
import refiners.proto.unet.v1.DenoiseStep;
import refiners.proto.unet.v1.MutinyUNetGrpc.MutinyUNetStub;

/** One generation's Denoise stream seen as a blocking Denoiser: each call sends a Step and waits for its answer. */
final class RemoteDenoiser implements SD1Stages.Denoiser {
    private static final Object END = new Object();

    private final UnicastProcessor<DenoiseRequest> requests = UnicastProcessor.create();
    private final BlockingQueue<Object> responses = new LinkedBlockingQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean requestsEnded = new java.util.concurrent.atomic.AtomicBoolean();
    private final Duration stepTimeout;
    private long[] latentShape;
    private double serviceSeconds;

    RemoteDenoiser(MutinyUNetStub unet, Duration stepTimeout) {
        this.stepTimeout = stepTimeout;
        unet.denoise(requests).subscribe().with(
                s -> s.request(Long.MAX_VALUE),
                responses::add,
                responses::add,
                () -> responses.add(END));
    }

    /** Sends the Start and waits until the service has opened its denoiser (LoRAs applied). */
    void start(DenoiseStart start) {
        latentShape = start.getLatentShapeList().stream().mapToLong(Long::longValue).toArray();
        requests.onNext(DenoiseRequest.newBuilder().setStart(start).build());
        DenoiseResponse r = next();
        if (!r.hasReady()) throw Stage.UNET.failure(Status.INTERNAL.withDescription("expected ready, got " + r.getKindCase()).asRuntimeException());
    }

    @Override
    public Tensor guidedNoise(int stepIndex, double timestep, Tensor latents) {
        requests.onNext(DenoiseRequest.newBuilder().setStep(DenoiseStep.newBuilder()
                .setStepIndex(stepIndex).setTimestep(timestep).setLatents(WireTensors.toMessage(latents))).build());
        DenoiseResponse r = next();
        if (!r.hasResult() || r.getResult().getStepIndex() != stepIndex)
            throw Stage.UNET.failure(Status.INTERNAL.withDescription("expected the result of step " + stepIndex + ", got " + r).asRuntimeException());
        serviceSeconds += r.getResult().getSeconds();
        return WireTensors.expect(WireTensors.fromMessage(r.getResult().getNoise(), "noise"), "noise", DType.F32, latentShape);
    }

    private DenoiseResponse next() {
        Object r;
        try {
            r = responses.poll(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
        if (r == null) {
            cancel();
            throw Stage.UNET.failure(new java.util.concurrent.TimeoutException());
        }
        if (r instanceof Throwable t) throw Stage.UNET.failure(t);
        if (r == END) throw Stage.UNET.failure(Status.INTERNAL.withDescription("the stream ended early").asRuntimeException());
        return (DenoiseResponse) r;
    }

    double serviceSeconds() {
        return serviceSeconds;
    }

    /** Abandons the stream (the service stops within one step) and wakes a waiting step up. */
    void cancel() {
        // failing the request side cancels the gRPC call (cancelling the response subscription alone does not)
        if (requestsEnded.compareAndSet(false, true))
            requests.onError(Status.CANCELLED.withDescription("generation cancelled").asRuntimeException());
        responses.add(Status.CANCELLED.withDescription("generation cancelled").asRuntimeException());
    }

    @Override
    public void close() {
        if (requestsEnded.compareAndSet(false, true)) requests.onComplete();
    }
}

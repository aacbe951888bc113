package refiners.mesh.orchestrator;

import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;
import refiners.proto.unet.v1.DenoiseStart;
import refiners.proto.unet.v1.DenoiseStep;
import refiners.proto.unet.v1.UNetGrpc;

/**
 * One generation's Denoise stream seen as a blocking Denoiser: each call sends a Step and waits for its answer.
 * Answers are queued straight from the transport thread (they only enqueue), so a step costs few thread hand-offs.
 */
final class RemoteDenoiser implements SD1Stages.Denoiser {
    private static final Object END = new Object();

    private final BlockingQueue<Object> responses = new LinkedBlockingQueue<>();
    private final ClientCallStreamObserver<DenoiseRequest> requests;
    private final Duration stepTimeout;
    private long[] latentShape;
    private double serviceSeconds;
    private boolean ended;

    RemoteDenoiser(Channel unet, Deadline deadline, Duration stepTimeout) {
        this.stepTimeout = stepTimeout;
        var observer = new ClientResponseObserver<DenoiseRequest, DenoiseResponse>() {
            ClientCallStreamObserver<DenoiseRequest> call;

            @Override
            public void beforeStart(ClientCallStreamObserver<DenoiseRequest> requestStream) {
                call = requestStream;
            }

            @Override
            public void onNext(DenoiseResponse r) {
                responses.add(r);
            }

            @Override
            public void onError(Throwable t) {
                responses.add(t);
            }

            @Override
            public void onCompleted() {
                responses.add(END);
            }
        };
        UNetGrpc.newStub(unet).withDeadline(deadline).withExecutor(Runnable::run).denoise(observer);
        requests = observer.call;
    }

    /** Sends the Start and waits until the service has opened its denoiser (LoRAs applied). */
    void start(DenoiseStart start) {
        latentShape = start.getLatentShapeList().stream().mapToLong(Long::longValue).toArray();
        send(DenoiseRequest.newBuilder().setStart(start).build());
        DenoiseResponse r = next();
        if (!r.hasReady()) throw Stage.UNET.failure(Status.INTERNAL.withDescription("expected ready, got " + r.getKindCase()).asRuntimeException());
    }

    @Override
    public Tensor guidedNoise(int stepIndex, double timestep, Tensor latents) {
        send(DenoiseRequest.newBuilder().setStep(DenoiseStep.newBuilder()
                .setStepIndex(stepIndex).setTimestep(timestep).setLatents(WireTensors.toMessage(latents))).build());
        DenoiseResponse r = next();
        if (!r.hasResult() || r.getResult().getStepIndex() != stepIndex)
            throw Stage.UNET.failure(Status.INTERNAL.withDescription("expected the result of step " + stepIndex + ", got " + r.getKindCase()).asRuntimeException());
        serviceSeconds += r.getResult().getSeconds();
        return WireTensors.expect(WireTensors.fromMessage(r.getResult().getNoise(), "noise"), "noise", DType.F32, latentShape);
    }

    private synchronized void send(DenoiseRequest request) {
        if (ended) throw Stage.UNET.failure(Status.CANCELLED.withDescription("generation cancelled").asRuntimeException());
        requests.onNext(request);
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
            throw Stage.UNET.failure(new TimeoutException());
        }
        if (r instanceof Throwable t) throw Stage.UNET.failure(t);
        if (r == END) throw Stage.UNET.failure(Status.INTERNAL.withDescription("the stream ended early").asRuntimeException());
        return (DenoiseResponse) r;
    }

    double serviceSeconds() {
        return serviceSeconds;
    }

    /** Abandons the stream (the service stops within one step) and wakes a waiting step up. */
    synchronized void cancel() {
        if (!ended) {
            ended = true;
            requests.cancel("generation cancelled", null);
        }
        responses.add(Status.CANCELLED.withDescription("generation cancelled").asRuntimeException());
    }

    @Override
    public synchronized void close() {
        if (!ended) {
            ended = true;
            requests.onCompleted();
        }
    }
}

package refiners.mesh.orchestrator;

import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.DenoiseCall;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;
import refiners.proto.unet.v1.DenoiseStart;
import refiners.proto.unet.v1.DenoiseStep;
import refiners.proto.unet.v1.UNetGrpc;

/**
 * One generation's UNet as a blocking Denoiser over Denoise streams: each call sends a Step and waits for its
 * answer. When the stream breaks (the replica went away), the generation resumes on a new stream, on whichever
 * replica answers, with the same Start and the step that failed: steps carry all they need, so the result is the same.
 */
final class RemoteDenoiser implements SD1Stages.Denoiser {
    private static final Logger LOG = Logger.getLogger(RemoteDenoiser.class);
    /** Stream breaks one generation survives. */
    static final int MAX_RESUMES = 3;

    private final Channel channel;
    private final Deadline deadline;
    private final Duration stepTimeout;
    private final GenerationMetrics metrics;
    private DenoiseStart start;
    private long[] latentShape;
    private DenoiseCall stream;
    private int resumes;
    private double serviceSeconds;
    private double queueSeconds;
    private boolean ended;
    /** The first stream's Ready not read yet: the first step went out behind the Start, its answer follows the Ready. */
    private boolean readyPending;

    RemoteDenoiser(Channel channel, Deadline deadline, Duration stepTimeout, GenerationMetrics metrics) {
        this.channel = channel;
        this.deadline = deadline;
        this.stepTimeout = stepTimeout;
        this.metrics = metrics;
    }

    /**
     * Opens the stream with the Start; the first step follows it without waiting for the Ready (the service handles a
     * stream's messages in order), which the first step then reads before its answer: one round trip fewer.
     */
    void start(DenoiseStart start) {
        this.start = start;
        latentShape = start.getLatentShapeList().stream().mapToLong(Long::longValue).toArray();
        openStream(false);
        readyPending = true;
    }

    /** A stream on which the Start is sent and its Ready read. */
    private void open(boolean waitForReady) {
        openStream(waitForReady);
        expectReady();
    }

    private void openStream(boolean waitForReady) {
        // answers are queued straight from the transport thread
        var stub = UNetGrpc.newStub(channel).withDeadline(deadline).withExecutor(Runnable::run);
        DenoiseCall s = DenoiseCall.open(waitForReady ? stub.withWaitForReady() : stub);
        synchronized (this) {
            if (ended) {
                s.cancel("generation cancelled");
                throw cancelled();
            }
            stream = s;
        }
        send(DenoiseRequest.newBuilder().setStart(start).build());
    }

    /** Reads the Start's Ready; a failure before it is the Start's and thrown as it comes (not resumed). */
    private void expectReady() {
        readyPending = false;
        DenoiseResponse r = next(stream);
        if (!r.hasReady()) throw Stage.UNET.failure(Status.INTERNAL.withDescription("expected ready, got " + r.getKindCase()).asRuntimeException());
    }

    @Override
    public Tensor guidedNoise(int stepIndex, double timestep, Tensor latents, Tensor reference) {
        long begun = System.nanoTime(); // the step as the generation's UNet time counts it: encoding and decoding included
        DenoiseStep.Builder builder = DenoiseStep.newBuilder().setStepIndex(stepIndex).setTimestep(timestep).setLatents(WireTensors.toMessage(latents));
        if (reference != null) builder.setReferenceLatents(WireTensors.toMessage(reference));
        DenoiseRequest step = DenoiseRequest.newBuilder().setStep(builder).build();
        DenoiseResponse r;
        boolean sent = false;
        if (readyPending) { // the first step: its time (and transport) includes the Start's handling in unet-svc
            send(step);
            sent = true;
            expectReady();
        }
        while (true) {
            try {
                if (!sent) send(step);
                r = next(stream);
                break;
            } catch (StatusRuntimeException e) {
                if (!resumable(e)) throw e;
                resume(stepIndex, e);
                sent = false;
            }
        }
        if (!r.hasResult() || r.getResult().getStepIndex() != stepIndex)
            throw Stage.UNET.failure(Status.INTERNAL.withDescription("expected the result of step " + stepIndex + ", got " + r.getKindCase()).asRuntimeException());
        Tensor noise = WireTensors.expect(WireTensors.fromMessage(r.getResult().getNoise(), "noise"), "noise", DType.F32, latentShape);
        serviceSeconds += r.getResult().getSeconds();
        queueSeconds += r.getResult().getQueueSeconds();
        // a resumed step's time includes the new stream's opening: what the generation paid for the mesh
        metrics.unetStepTransport(System.nanoTime() - begun - (long) ((r.getResult().getSeconds() + r.getResult().getQueueSeconds()) * 1e9));
        return noise;
    }

    /** A broken stream (not a refusal of the request, not our own cancellation) while resumes are left. */
    private synchronized boolean resumable(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        return !ended && resumes < MAX_RESUMES && !deadline.isExpired()
                && (code == Status.Code.UNAVAILABLE || code == Status.Code.CANCELLED || code == Status.Code.ABORTED);
    }

    /** Opens a new stream, waiting up to one step timeout for a replica that is ready. */
    private void resume(int stepIndex, StatusRuntimeException cause) {
        resumes++;
        LOG.warnf("unet-svc stream broke at step %d (%s): resuming on a new stream", stepIndex, cause.getStatus());
        metrics.unetResumed();
        long until = System.nanoTime() + stepTimeout.toNanos();
        while (true) {
            try {
                open(true);
                return;
            } catch (StatusRuntimeException e) {
                // a replica still loading its weights answers UNAVAILABLE: try again shortly
                if (ended || e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > until || deadline.isExpired()) throw e;
                try {
                    Thread.sleep(250);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw cancelled();
                }
            }
        }
    }

    private synchronized void send(DenoiseRequest request) {
        if (ended) throw cancelled();
        stream.send(request);
    }

    private DenoiseResponse next(DenoiseCall s) {
        DenoiseResponse r;
        try {
            r = s.next(stepTimeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw cancelled();
        } catch (TimeoutException e) {
            cancel();
            throw Stage.UNET.failure(e);
        } catch (StatusRuntimeException e) {
            throw Stage.UNET.failure(e);
        }
        if (r == null) throw Stage.UNET.failure(Status.UNAVAILABLE.withDescription("the stream ended early").asRuntimeException());
        return r;
    }

    private static StatusRuntimeException cancelled() {
        return Stage.UNET.failure(Status.CANCELLED.withDescription("generation cancelled").asRuntimeException());
    }

    /** The UNet calls of the steps (each shared with its batch mates), as unet-svc measured them. */
    double serviceSeconds() {
        return serviceSeconds;
    }

    /** The steps' waits in unet-svc's queue. */
    double queueSeconds() {
        return queueSeconds;
    }

    int resumes() {
        return resumes;
    }

    /** Abandons the stream (the service stops within one step) and wakes a waiting step up. */
    synchronized void cancel() {
        if (ended) return;
        ended = true;
        if (stream != null) stream.cancel("generation cancelled");
    }

    @Override
    public synchronized void close() {
        if (!ended) {
            ended = true;
            if (stream != null) stream.halfClose();
        }
    }
}

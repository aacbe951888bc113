package refiners.mesh;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;
import refiners.proto.unet.v1.UNetGrpc;

/**
 * One client Denoise stream: its request side, and its answers queued as the transport delivers them, taken in order
 * by a caller that blocks on {@link #next}.
 */
public final class DenoiseCall implements ClientResponseObserver<DenoiseRequest, DenoiseResponse> {
    private static final Object END = new Object();
    private final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    private ClientCallStreamObserver<DenoiseRequest> requests;

    private DenoiseCall() {}

    /** Opens the stream on {@code stub} (its deadline, executor, wait-for-ready). */
    public static DenoiseCall open(UNetGrpc.UNetStub stub) {
        DenoiseCall call = new DenoiseCall();
        stub.denoise(call);
        return call;
    }

    public void send(DenoiseRequest request) {
        requests.onNext(request);
    }

    /** No more requests: the service answers what it has and ends the stream. */
    public void halfClose() {
        requests.onCompleted();
    }

    /** Abandons the stream; a caller waiting in next() wakes up with CANCELLED. */
    public void cancel(String why) {
        requests.cancel(why, null);
        answers.add(Status.CANCELLED.withDescription(why).asRuntimeException());
    }

    /**
     * The next answer, or null when the stream has ended; the stream's failure is thrown (a StatusRuntimeException),
     * a wait past {@code timeout} is a TimeoutException.
     */
    public DenoiseResponse next(Duration timeout) throws InterruptedException, TimeoutException {
        Object a = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (a == null) throw new TimeoutException("no Denoise answer within " + timeout);
        if (a instanceof StatusRuntimeException e) throw e;
        if (a instanceof Throwable t) throw Status.fromThrowable(t).asRuntimeException();
        return a == END ? null : (DenoiseResponse) a;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<DenoiseRequest> requestStream) {
        requests = requestStream;
    }

    @Override
    public void onNext(DenoiseResponse r) {
        answers.add(r);
    }

    @Override
    public void onError(Throwable t) {
        answers.add(t);
    }

    @Override
    public void onCompleted() {
        answers.add(END);
    }
}

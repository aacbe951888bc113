package refiners.mesh.unet;

import io.grpc.ChannelCredentials;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import io.quarkus.runtime.LaunchMode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.mesh.MeshConfig;
import refiners.mesh.WireTensors;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;
import refiners.proto.unet.v1.DenoiseStart;
import refiners.proto.unet.v1.DenoiseStep;
import refiners.proto.unet.v1.UNetGrpc;

/**
 * Warms the request path before the service reports ready: dry steps (REFINERS_WARMUP_STEPS) through the
 * service's own gRPC endpoint, in streams of 50 as the orchestrator sends them. A fresh JVM runs that path (HTTP/2,
 * protobuf, the session, the batcher's hand-off to a worker) slowly until the JIT has seen a few thousand steps:
 * measured, a fresh unet-svc cost ~2 ms more per step than a warm one over its first steps (README). The streams carry
 * a generation id only this process knows, so no caller can make its own steps dry; their steps answer zeros on a
 * batcher of their own, outside the metrics, and are neither logged nor traced.
 */
@ApplicationScoped
public class UNetWarmUp {
    private static final Logger LOG = Logger.getLogger(UNetWarmUp.class);
    static final String GENERATION_ID = "warm-up-" + UUID.randomUUID();
    private static final int STEPS_PER_STREAM = 50;
    private static final long LIMIT_SECONDS = 120;
    /** What every warm-up stream sends: an 8×8-latent generation with zero embeddings, zero latents at each step. */
    private static final DenoiseRequest START;
    private static final refiners.proto.common.v1.Tensor LATENTS = WireTensors.toMessage(Tensor.zeros(DType.F32, 1, 4, 8, 8));

    static {
        var embedding = WireTensors.toMessage(Tensor.zeros(DType.F32, 1, 77, 768));
        START = DenoiseRequest.newBuilder().setStart(DenoiseStart.newBuilder().setGenerationId(GENERATION_ID).addAllLatentShape(List.of(1L, 4L, 8L, 8L))
                .setGuidanceScale(7.5f).setConditionalEmbedding(embedding).setUnconditionalEmbedding(embedding)).build();
    }
    /** Set by the "tls" profile. */
    private static final String CERT = "quarkus.tls.mesh.key-store.pem.service.cert";

    @Inject
    MeshConfig config;

    private volatile int stepsAnswered;

    /** Sends the configured number of dry steps; a failure only logs (the service is ready anyway, its first steps slower). */
    void run() {
        int steps = config.warmupSteps();
        if (steps <= 0) return;
        long t0 = System.nanoTime();
        ManagedChannel channel;
        try {
            boolean tls = ConfigProvider.getConfig().getOptionalValue(CERT, String.class).isPresent();
            channel = Grpc.newChannelBuilderForAddress(host(), port(tls), tls ? credentials() : InsecureChannelCredentials.create()).build();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("no request path warm-up (%s): the first steps will be slower", e.toString());
            return;
        }
        try {
            Deadline deadline = Deadline.after(LIMIT_SECONDS, TimeUnit.SECONDS);
            while (stepsAnswered < steps) stream(channel, deadline, Math.min(STEPS_PER_STREAM, steps - stepsAnswered));
            LOG.infof("request path warmed up: %d dry steps through the service's own endpoint in %.1f s", steps, (System.nanoTime() - t0) / 1e9);
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            LOG.warnf("request path warm-up stopped after %d of %d steps (%s): the first steps will be slower", stepsAnswered, steps, e.toString());
        } finally {
            channel.shutdownNow();
        }
    }

    /** Dry steps answered so far. */
    int stepsAnswered() {
        return stepsAnswered;
    }

    private void stream(ManagedChannel channel, Deadline deadline, int steps) throws Exception {
        BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
        StreamObserver<DenoiseRequest> requests = UNetGrpc.newStub(channel).withDeadline(deadline).withWaitForReady().denoise(new StreamObserver<>() {
            @Override
            public void onNext(DenoiseResponse r) {
                answers.add(r);
            }

            @Override
            public void onError(Throwable t) {
                answers.add(t);
            }

            @Override
            public void onCompleted() {}
        });
        requests.onNext(START);
        next(answers, deadline);
        for (int i = 0; i < steps; i++) {
            requests.onNext(DenoiseRequest.newBuilder().setStep(DenoiseStep.newBuilder().setStepIndex(i).setTimestep(999 - 20 * i).setLatents(LATENTS)).build());
            next(answers, deadline);
            stepsAnswered++;
        }
        requests.onCompleted();
    }

    private static void next(BlockingQueue<Object> answers, Deadline deadline) throws Exception {
        Object answer = answers.poll(Math.max(1, deadline.timeRemaining(TimeUnit.MILLISECONDS)), TimeUnit.MILLISECONDS);
        if (answer == null) throw new IllegalStateException("no answer within " + LIMIT_SECONDS + " s");
        if (answer instanceof Exception e) throw e;
        if (answer instanceof Throwable t) throw new IllegalStateException(t);
    }

    /**
     * Under TLS (the "tls" profile): the service's own certificate and key, which the mesh's certificates allow for
     * client authentication too (README: extendedKeyUsage serverAuth,clientAuth), and the mesh CA.
     */
    private static ChannelCredentials credentials() throws IOException {
        Config c = ConfigProvider.getConfig();
        return TlsChannelCredentials.newBuilder().keyManager(new File(c.getValue(CERT, String.class)), new File(c.getValue("quarkus.tls.mesh.key-store.pem.service.key", String.class)))
                .trustManager(new File(c.getValue("quarkus.tls.mesh.trust-store.pem.certs", String.class))).build();
    }

    /** The address the service listens on, as seen from inside it (any-address binds answer on loopback). */
    private static String host() {
        String host = ConfigProvider.getConfig().getOptionalValue("quarkus.http.host", String.class).orElse("0.0.0.0");
        return host.equals("0.0.0.0") || host.isBlank() ? "127.0.0.1" : host;
    }

    /** The port actually bound (Quarkus records it, a random test port included). */
    private static int port(boolean tls) {
        boolean test = LaunchMode.current() == LaunchMode.TEST;
        String name = tls ? (test ? "quarkus.http.test-ssl-port" : "quarkus.http.ssl-port") : (test ? "quarkus.http.test-port" : "quarkus.http.port");
        return ConfigProvider.getConfig().getValue(name, Integer.class);
    }
}

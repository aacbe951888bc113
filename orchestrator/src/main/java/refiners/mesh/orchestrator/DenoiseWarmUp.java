package refiners.mesh.orchestrator;

import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.mesh.MeshConfig;
import refiners.proto.unet.v1.DenoiseReady;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;
import refiners.proto.unet.v1.DenoiseResult;
import refiners.proto.unet.v1.DenoiseStart;
import refiners.proto.unet.v1.UNetGrpc;

/**
 * Warms the orchestrator's side of a denoising step before it reports ready: REFINERS_WARMUP_STEPS steps through the
 * real RemoteDenoiser (grpc-java client, protobuf, the answer's hand-off) against a stand-in UNet that this process
 * serves on a loopback port for the while, answering zeros. A fresh orchestrator cost ~1 ms more per step than a warm
 * one over its first steps (README); unet-svc warms its own side (UNetWarmUp). The steps' transport goes to a registry
 * of their own, so refiners_unet_step_transport_seconds counts real steps only.
 */
@Readiness
@ApplicationScoped
public class DenoiseWarmUp implements HealthCheck {
    private static final Logger LOG = Logger.getLogger(DenoiseWarmUp.class);
    private static final int STEPS_PER_STREAM = 50;

    @Inject
    MeshConfig config;

    private volatile boolean done;
    private volatile int stepsAnswered;

    void start(@Observes StartupEvent event) {
        Thread t = new Thread(() -> run(config.warmupSteps()), "orchestrator-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** Runs {@code steps} steps (none: nothing); a failure only logs. Ready afterwards either way. */
    void run(int steps) {
        long t0 = System.nanoTime();
        Server server = null;
        ManagedChannel channel = null;
        try {
            if (steps <= 0) return;
            InetAddress loopback = InetAddress.getLoopbackAddress();
            server = NettyServerBuilder.forAddress(new InetSocketAddress(loopback, 0)).addService(new ZeroUNet()).build().start();
            channel = ManagedChannelBuilder.forAddress(loopback.getHostAddress(), server.getPort()).usePlaintext().build();
            GenerationMetrics unrecorded = new GenerationMetrics(new SimpleMeterRegistry());
            Deadline deadline = Deadline.after(2, TimeUnit.MINUTES);
            DenoiseStart start = DenoiseStart.newBuilder().addLatentShape(1).addLatentShape(4).addLatentShape(8).addLatentShape(8).build();
            Tensor latents = Tensor.zeros(DType.F32, 1, 4, 8, 8);
            while (stepsAnswered < steps) {
                try (RemoteDenoiser denoiser = new RemoteDenoiser(channel, deadline, Duration.ofSeconds(30), unrecorded)) {
                    denoiser.start(start);
                    for (int i = 0; i < STEPS_PER_STREAM && stepsAnswered < steps; i++) {
                        denoiser.guidedNoise(i, 999 - 20 * i, latents);
                        stepsAnswered++;
                    }
                }
            }
            LOG.infof("request path warmed up: %d steps against a stand-in UNet in %.1f s", steps, (System.nanoTime() - t0) / 1e9);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("request path warm-up stopped after %d of %d steps (%s): the first steps will be slower", stepsAnswered, steps, e.toString());
        } finally {
            if (channel != null) channel.shutdownNow();
            if (server != null) server.shutdownNow();
            done = true;
        }
    }

    int stepsAnswered() {
        return stepsAnswered;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("warm-up").status(done).build();
    }

    /** Answers a Start with Ready and every step with its own latents (zeros here) as noise. */
    private static final class ZeroUNet extends UNetGrpc.UNetImplBase {
        @Override
        public StreamObserver<DenoiseRequest> denoise(StreamObserver<DenoiseResponse> responses) {
            return new StreamObserver<>() {
                @Override
                public void onNext(DenoiseRequest r) {
                    responses.onNext(r.hasStart() ? DenoiseResponse.newBuilder().setReady(DenoiseReady.getDefaultInstance()).build()
                            : DenoiseResponse.newBuilder().setResult(DenoiseResult.newBuilder().setStepIndex(r.getStep().getStepIndex())
                                    .setNoise(r.getStep().getLatents())).build());
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    responses.onCompleted();
                }
            };
        }
    }
}

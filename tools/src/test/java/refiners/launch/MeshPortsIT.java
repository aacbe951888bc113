package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;

/**
 * A port taken between choosing it and the service binding it (another program, or an outgoing connection) does not
 * fail the mesh's start: it starts again on other ports, and the orchestrator finds the stages there.
 */
class MeshPortsIT {
    @Test
    void aPortTakenBeforeTheServiceBindsItIsReplacedAndTheMeshStillGenerates() throws Exception {
        Path root = Path.of(System.getProperty("mesh.root", "..")).toAbsolutePath().normalize();
        Path work = Files.createDirectories(root.resolve("tools/target/mesh-ports-it"));
        Map<MeshService, Integer> ports = MeshProcesses.freePorts();
        int taken = ports.get(MeshService.VAE);
        try (ServerSocket squatter = new ServerSocket();
             MeshProcesses mesh = new MeshProcesses(root, work.resolve("logs"), ports).env("REFINERS_WEIGHTS", SD1Weights.DETINIT)) {
            squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), taken));
            mesh.start(Duration.ofMinutes(10));
            assertNotEquals(taken, mesh.port(MeshService.VAE));
            ManagedChannel channel = ManagedChannelBuilder.forTarget(mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
            try {
                AtomicInteger results = new AtomicInteger();
                OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES)
                        .generate(GenerateRequest.newBuilder().setPrompt("a harbour").setSteps(1).setWidth(64).setHeight(64).setSeed(1).build())
                        .forEachRemaining(e -> {
                            if (e.hasResult()) results.incrementAndGet();
                        });
                assertEquals(1, results.get());
            } finally {
                channel.shutdownNow();
            }
        }
    }
}

package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;

/**
 * A port taken between choosing it and the service binding it (another program, or an outgoing connection) does not
 * fail the mesh's start: that service starts again on another port, and the orchestrator finds it there. The shared mesh
 * (SharedMesh) starts so, with its VAE port taken.
 */
@Order(SharedMesh.ORDER)
class MeshPortsIT {
    @Test
    void aPortTakenBeforeTheServiceBindsItIsReplacedAndTheMeshStillGenerates() throws Exception {
        SharedMesh shared = SharedMesh.get();
        assertNotEquals(shared.takenPort, shared.mesh.port(MeshService.VAE));
        ManagedChannel channel = ManagedChannelBuilder.forTarget(shared.mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
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

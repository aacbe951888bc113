package refiners.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Progress;
import refiners.proto.orchestrator.v1.Result;

/**
 * A Java client of the mesh needs this module and nothing of the implementation: this test compiles and runs with
 * proto's own dependencies (protobuf, grpc; the Quarkus Mutiny stubs are optional and not passed on to clients) and
 * checks that ONNX Runtime, the models and the services' shared code are not on that path.
 */
class ContractOnlyClientTest {
    @Test
    void aClientBuildsAgainstTheContractAlone() {
        for (String implementation : List.of("ai.onnxruntime.OrtSession", "refiners.fluxion.Tensor", "refiners.mesh.WireTensors"))
            assertThrows(ClassNotFoundException.class, () -> Class.forName(implementation), implementation + " is reachable from proto");
    }

    @Test
    void generateStreamsProgressThenAResult() throws Exception {
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name).directExecutor().addService(new OrchestratorGrpc.OrchestratorImplBase() {
            @Override
            public void generate(GenerateRequest request, StreamObserver<GenerateEvent> events) {
                for (int i = 1; i <= request.getSteps(); i++)
                    events.onNext(GenerateEvent.newBuilder().setProgress(Progress.newBuilder().setStep(i).setTotalSteps(request.getSteps())).build());
                events.onNext(GenerateEvent.newBuilder().setResult(Result.newBuilder().setSeed(request.getSeed()).setWidth(request.getWidth())).build());
                events.onCompleted();
            }
        }).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
            List<GenerateEvent> events = new ArrayList<>();
            OrchestratorGrpc.newBlockingStub(channel)
                    .generate(GenerateRequest.newBuilder().setPrompt("a red fox").setSteps(3).setWidth(512).setSeed(7).build())
                    .forEachRemaining(events::add);
            assertEquals(4, events.size());
            assertEquals(3, events.get(2).getProgress().getStep());
            assertEquals(7, events.get(3).getResult().getSeed());
        } finally {
            channel.shutdownNow();
            server.shutdownNow();
        }
    }
}

package refiners.mesh.orchestrator;

import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.Orchestrator;

/** Generate over gRPC: progress events, then the result; the caller's deadline bounds every stage call. */
@GrpcService
public class OrchestratorService implements Orchestrator {
    @Inject
    Generations generations;

    @Override
    @Blocking // validation decodes the request's images (init image, mask, ControlNet conditions): never on the event loop
    public Multi<GenerateEvent> generate(GenerateRequest request) {
        try {
            return generations.generate(generations.validate(request), request.getPreviewEvery(), CallerDeadline.current());
        } catch (RuntimeException e) {
            return Multi.createFrom().failure(e);
        }
    }
}

package refiners.mesh.orchestrator;

import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.ListControlnetsRequest;
import refiners.proto.orchestrator.v1.ListControlnetsResponse;
import refiners.proto.orchestrator.v1.ListLorasRequest;
import refiners.proto.orchestrator.v1.ListLorasResponse;
import refiners.proto.orchestrator.v1.ListModelsRequest;
import refiners.proto.orchestrator.v1.ListModelsResponse;
import refiners.proto.orchestrator.v1.ListSolversRequest;
import refiners.proto.orchestrator.v1.ListSolversResponse;
import refiners.proto.orchestrator.v1.Orchestrator;

/**
 * Generate over gRPC: progress events, then the result; the caller's deadline bounds every stage call. The listings of
 * what the mesh serves (Catalog, Solvers).
 */
@GrpcService
public class OrchestratorService implements Orchestrator {
    @Inject
    Generations generations;
    @Inject
    Catalog catalog;

    @Override
    @Blocking // validation decodes the request's images (init image, mask, ControlNet conditions): never on the event loop
    public Multi<GenerateEvent> generate(GenerateRequest request) {
        try {
            return ImageBatch.generate(generations, request, CallerDeadline.current());
        } catch (RuntimeException e) {
            return Multi.createFrom().failure(e);
        }
    }

    @Override
    @Blocking
    public Uni<ListModelsResponse> listModels(ListModelsRequest request) {
        return Uni.createFrom().item(() -> ListModelsResponse.newBuilder().addAllModels(catalog.models()).build());
    }

    @Override
    @Blocking
    public Uni<ListLorasResponse> listLoras(ListLorasRequest request) {
        return Uni.createFrom().item(() -> ListLorasResponse.newBuilder().addAllLoras(catalog.loras()).build());
    }

    @Override
    @Blocking
    public Uni<ListControlnetsResponse> listControlnets(ListControlnetsRequest request) {
        return Uni.createFrom().item(() -> ListControlnetsResponse.newBuilder().addAllControlnets(catalog.controlnets()).build());
    }

    @Override
    public Uni<ListSolversResponse> listSolvers(ListSolversRequest request) {
        return Uni.createFrom().item(() -> ListSolversResponse.newBuilder().addAllSolvers(Solvers.all()).build());
    }
}

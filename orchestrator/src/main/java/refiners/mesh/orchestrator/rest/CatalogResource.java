package refiners.mesh.orchestrator.rest;

import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import refiners.mesh.orchestrator.Catalog;
import refiners.mesh.orchestrator.Solvers;
import refiners.proto.orchestrator.v1.ListControlnetsResponse;
import refiners.proto.orchestrator.v1.ListLorasResponse;
import refiners.proto.orchestrator.v1.ListModelsResponse;
import refiners.proto.orchestrator.v1.ListSolversResponse;

/** GET /v1/models, /v1/loras, /v1/controlnets, /v1/solvers: the gRPC listings' answers as JSON (ProtoJson). */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class CatalogResource {
    @Inject
    Catalog catalog;

    @GET
    @Path("models")
    @Blocking
    public String models() {
        return ProtoJson.print(ListModelsResponse.newBuilder().addAllModels(catalog.models()));
    }

    @GET
    @Path("loras")
    @Blocking
    public String loras() {
        return ProtoJson.print(ListLorasResponse.newBuilder().addAllLoras(catalog.loras()));
    }

    @GET
    @Path("controlnets")
    @Blocking
    public String controlnets() {
        return ProtoJson.print(ListControlnetsResponse.newBuilder().addAllControlnets(catalog.controlnets()));
    }

    @GET
    @Path("solvers")
    public String solvers() {
        return ProtoJson.print(ListSolversResponse.newBuilder().addAllSolvers(Solvers.all()));
    }
}

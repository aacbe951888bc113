package refiners.mesh.orchestrator;

import io.grpc.Deadline;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import refiners.mesh.MeshConfig;
import refiners.mesh.ModelFamilies;
import refiners.proto.orchestrator.v1.Controlnet;
import refiners.proto.orchestrator.v1.Lora;
import refiners.proto.orchestrator.v1.Model;
import refiners.proto.unet.v1.DescribeModelRequest;
import refiners.proto.unet.v1.ListControlnetsRequest;
import refiners.proto.unet.v1.ListLorasRequest;
import refiners.proto.unet.v1.MutinyUNetGrpc;
import refiners.proto.unet.v1.MutinyUNetGrpc.MutinyUNetStub;

/**
 * What the mesh serves, asked of unet-svc (it holds the model, the LoRA and the ControlNet directories; one replica
 * answers for all, as they are configured alike), within one stage timeout. Blocking: call from a worker thread.
 */
@ApplicationScoped
public class Catalog {
    @Inject
    StageClients clients;
    @Inject
    OrchestratorConfig config;
    @Inject
    MeshConfig mesh;

    /** Each model family the orchestrator routes (REFINERS_MODELS, the default first), described by a unet-svc serving it. */
    public List<Model> models() {
        return mesh.servedModels().stream().map(family -> {
            var d = ask(family, unet -> unet.describeModel(DescribeModelRequest.newBuilder().setModel(family).build()));
            return Model.newBuilder().setName(d.getWeights()).setId(family).setTextToImage(true).setImageToImage(true)
                    .setInpainting(!d.getInpaintingWeights().isEmpty()).setInpaintingWeights(d.getInpaintingWeights()).build();
        }).toList();
    }

    public List<Lora> loras() {
        return ask(unet -> unet.listLoras(ListLorasRequest.getDefaultInstance())).getLorasList().stream()
                .map(l -> Lora.newBuilder().setName(l.getName()).setRank(l.getRank()).setUnetLayers(l.getUnetLayers())
                        .setTextEncoderLayers(l.getTextEncoderLayers()).setSizeBytes(l.getSizeBytes()).setLoaded(l.getLoaded()).build())
                .toList();
    }

    public List<Controlnet> controlnets() {
        return ask(unet -> unet.listControlnets(ListControlnetsRequest.getDefaultInstance())).getControlnetsList().stream()
                .map(c -> Controlnet.newBuilder().setName(c.getName()).setSizeBytes(c.getSizeBytes()).build()).toList();
    }

    private <T> T ask(Function<MutinyUNetStub, io.smallrye.mutiny.Uni<T>> call) {
        return ask(ModelFamilies.SD15, call);
    }

    private <T> T ask(String family, Function<MutinyUNetStub, io.smallrye.mutiny.Uni<T>> call) {
        try {
            MutinyUNetStub unet = MutinyUNetGrpc.newMutinyStub(clients.unet(family))
                    .withDeadline(Deadline.after(config.stageTimeout().toMillis(), TimeUnit.MILLISECONDS));
            return call.apply(unet).await().indefinitely();
        } catch (Throwable t) {
            throw Stage.UNET.failure(t);
        }
    }
}

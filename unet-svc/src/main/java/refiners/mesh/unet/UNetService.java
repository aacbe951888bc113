package refiners.mesh.unet;

import io.opentelemetry.api.trace.Tracer;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicBoolean;
import refiners.mesh.MeshConfig;
import refiners.mesh.MeshLoras;
import refiners.mesh.ModelWork;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DescribeModelRequest;
import refiners.proto.unet.v1.ListControlnetsRequest;
import refiners.proto.unet.v1.ListControlnetsResponse;
import refiners.proto.unet.v1.ModelDescription;
import refiners.proto.unet.v1.DenoiseResponse;
import refiners.proto.unet.v1.ListLorasRequest;
import refiners.proto.unet.v1.ListLorasResponse;
import refiners.proto.unet.v1.LoadLoraRequest;
import refiners.proto.unet.v1.LoraInfo;
import refiners.proto.unet.v1.UNet;
import refiners.proto.unet.v1.UnloadLoraRequest;
import refiners.proto.unet.v1.UnloadLoraResponse;

/** Denoise streams (one message in, one out, in order; steps batched across streams) and LoRA management; model work runs on ModelWork's workers. */
@GrpcService
public class UNetService implements UNet {
    @Inject
    UNetModel model;
    @Inject
    UNetLoras loraFiles;
    @Inject
    MeshLoras loras;
    @Inject
    UNetControlnets controlnets;
    @Inject
    UNetIpAdapters ipAdapters;
    @Inject
    ModelWork work;
    @Inject
    UNetMetrics metrics;
    @Inject
    UNetSteps steps;
    @Inject
    MeshConfig config;
    @Inject
    Tracer tracer;
    @Inject
    UNetCatalog catalog;

    @Override
    public Multi<DenoiseResponse> denoise(Multi<DenoiseRequest> requests) {
        model.get(); // UNAVAILABLE while loading
        return Multi.createFrom().deferred(() -> {
            DenoiseSession session = new DenoiseSession(model, config.servedModels(), loras, controlnets, ipAdapters, work, steps, config.maxPixels(), tracer);
            AtomicBoolean open = new AtomicBoolean(true);
            metrics.streamOpened();
            return requests.onItem().transformToUniAndConcatenate(session::handle)
                    .onTermination().invoke(() -> {
                        if (open.getAndSet(false)) {
                            session.close();
                            metrics.streamClosed();
                        }
                    });
        });
    }

    @Override
    public Uni<ListLorasResponse> listLoras(ListLorasRequest request) {
        return work.run(() -> ListLorasResponse.newBuilder().addAllLoras(loraFiles.list()).build());
    }

    @Override
    public Uni<LoraInfo> loadLora(LoadLoraRequest request) {
        return work.run(() -> loraFiles.load(request.getName()));
    }

    @Override
    public Uni<UnloadLoraResponse> unloadLora(UnloadLoraRequest request) {
        return work.run(() -> {
            loraFiles.unload(request.getName());
            return UnloadLoraResponse.getDefaultInstance();
        });
    }

    @Override
    public Uni<ModelDescription> describeModel(DescribeModelRequest request) {
        return Uni.createFrom().item(() -> catalog.describe(request.getModel()));
    }

    @Override
    @Blocking // lists a directory: not on the event loop, and not behind the model's work
    public Uni<ListControlnetsResponse> listControlnets(ListControlnetsRequest request) {
        return Uni.createFrom().item(() -> ListControlnetsResponse.newBuilder().addAllControlnets(catalog.controlnets()).build());
    }
}

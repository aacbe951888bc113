package refiners.mesh.unet;

import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicBoolean;
import refiners.mesh.BoundedWorkers;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;
import refiners.proto.unet.v1.ListLorasRequest;
import refiners.proto.unet.v1.ListLorasResponse;
import refiners.proto.unet.v1.LoadLoraRequest;
import refiners.proto.unet.v1.LoraInfo;
import refiners.proto.unet.v1.UNet;
import refiners.proto.unet.v1.UnloadLoraRequest;
import refiners.proto.unet.v1.UnloadLoraResponse;

/** Denoise streams (one message in, one out, in order) and LoRA management; model work runs on the bounded pool. */
@GrpcService
public class UNetService implements UNet {
    @Inject
    UNetEngine engine;
    @Inject
    LoraDirectory loras;
    @Inject
    BoundedWorkers workers;
    @Inject
    UNetMetrics metrics;
    @Inject
    UNetConfig config;

    @Override
    public Multi<DenoiseResponse> denoise(Multi<DenoiseRequest> requests) {
        if (!engine.ready())
            return Multi.createFrom().failure(Status.UNAVAILABLE.withDescription(UNetWorkers.SERVICE + " is still loading its weights").asRuntimeException());
        return Multi.createFrom().deferred(() -> {
            DenoiseSession session = new DenoiseSession(engine, loras, workers, metrics, config.maxPixels());
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
        return workers.submit(() -> ListLorasResponse.newBuilder().addAllLoras(loras.list()).build());
    }

    @Override
    public Uni<LoraInfo> loadLora(LoadLoraRequest request) {
        return workers.submit(() -> loras.load(request.getName()));
    }

    @Override
    public Uni<UnloadLoraResponse> unloadLora(UnloadLoraRequest request) {
        return workers.submit(() -> {
            loras.unload(request.getName());
            return UnloadLoraResponse.getDefaultInstance();
        });
    }
}

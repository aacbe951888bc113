package refiners.mesh.orchestrator;

import io.grpc.Channel;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolverRegistry;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.atomic.AtomicBoolean;
import refiners.mesh.Batcher;
import refiners.mesh.MeshConfig;
import refiners.mesh.ModelFamilies;
import refiners.proto.textencoder.v1.MutinyTextEncoderGrpc.MutinyTextEncoderStub;
import refiners.proto.vae.v1.MutinyAutoencoderGrpc.MutinyAutoencoderStub;

/**
 * gRPC clients of the three stages (addresses, message limits, balancing: quarkus.grpc.clients.{text-encoder,unet,vae}.*),
 * and of SDXL's (quarkus.grpc.clients.*-sdxl).
 * Before the channels are built, registers the load-aware balancing policies (refiners_spread, refiners_fill) and the
 * static name resolver (a fixed list of replicas).
 */
@ApplicationScoped
public class StageClients {
    private static final AtomicBoolean REGISTERED = new AtomicBoolean();

    @GrpcClient("text-encoder")
    MutinyTextEncoderStub textEncoder;

    /** Denoise streams use grpc-java's async stub on this channel: fewer thread hand-offs per step. */
    @GrpcClient("unet")
    Channel unet;

    @GrpcClient("vae")
    MutinyAutoencoderStub vae;

    /** SDXL's stages (quarkus.grpc.clients.*-sdxl: by default the same hosts as the others). */
    @GrpcClient("text-encoder-sdxl")
    MutinyTextEncoderStub sdxlTextEncoder;
    @GrpcClient("unet-sdxl")
    Channel sdxlUnet;
    @GrpcClient("vae-sdxl")
    MutinyAutoencoderStub sdxlVae;

    @Inject
    public StageClients(MeshConfig config) {
        register(Batcher.Settings.of(config).maxBatch()); // 1 with REFINERS_DETERMINISTIC: a replica then takes one step at a time
    }

    /** Once per process (the registries are global); {@code capacity}: calls a replica takes before refiners_fill looks further. */
    static void register(int capacity) {
        if (!REGISTERED.compareAndSet(false, true)) return;
        LoadBalancerRegistry.getDefaultRegistry().register(new LoadAwareBalancer.Provider(LoadAwareBalancer.SPREAD, capacity));
        LoadBalancerRegistry.getDefaultRegistry().register(new LoadAwareBalancer.Provider(LoadAwareBalancer.FILL, capacity));
        NameResolverRegistry.getDefaultRegistry().register(new StaticAddresses());
    }

    public MutinyTextEncoderStub textEncoder() { return textEncoder; }
    public Channel unet() { return unet; }
    public MutinyAutoencoderStub vae() { return vae; }

    /** The clients of a model family's stages: SDXL's go to the replicas that serve it. */
    public MutinyTextEncoderStub textEncoder(String family) { return sdxl(family) ? sdxlTextEncoder : textEncoder; }
    public Channel unet(String family) { return sdxl(family) ? sdxlUnet : unet; }
    public MutinyAutoencoderStub vae(String family) { return sdxl(family) ? sdxlVae : vae; }

    private static boolean sdxl(String family) {
        return ModelFamilies.SDXL.equals(family);
    }
}

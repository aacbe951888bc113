package refiners.mesh.orchestrator;

import io.grpc.Channel;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import refiners.proto.textencoder.v1.MutinyTextEncoderGrpc.MutinyTextEncoderStub;
import refiners.proto.vae.v1.MutinyAutoencoderGrpc.MutinyAutoencoderStub;

/** gRPC clients of the three stages (addresses and message limits: quarkus.grpc.clients.{text-encoder,unet,vae}.*). */
@ApplicationScoped
public class StageClients {
    @GrpcClient("text-encoder")
    MutinyTextEncoderStub textEncoder;

    /** Denoise streams use grpc-java's async stub on this channel: fewer thread hand-offs per step. */
    @GrpcClient("unet")
    Channel unet;

    @GrpcClient("vae")
    MutinyAutoencoderStub vae;

    public MutinyTextEncoderStub textEncoder() { return textEncoder; }
    public Channel unet() { return unet; }
    public MutinyAutoencoderStub vae() { return vae; }
}

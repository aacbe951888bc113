package refiners.mesh.orchestrator;

import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import refiners.proto.textencoder.v1.MutinyTextEncoderGrpc.MutinyTextEncoderStub;
import refiners.proto.unet.v1.MutinyUNetGrpc.MutinyUNetStub;
import refiners.proto.vae.v1.MutinyAutoencoderGrpc.MutinyAutoencoderStub;

/** gRPC clients of the three stages (addresses and message limits: quarkus.grpc.clients.{text-encoder,unet,vae}.*). */
@ApplicationScoped
public class StageClients {
    @GrpcClient("text-encoder")
    MutinyTextEncoderStub textEncoder;

    @GrpcClient("unet")
    MutinyUNetStub unet;

    @GrpcClient("vae")
    MutinyAutoencoderStub vae;

    public MutinyTextEncoderStub textEncoder() { return textEncoder; }
    public MutinyUNetStub unet() { return unet; }
    public MutinyAutoencoderStub vae() { return vae; }
}

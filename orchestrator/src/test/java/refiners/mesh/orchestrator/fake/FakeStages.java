package refiners.mesh.orchestrator.fake;

import com.google.protobuf.ByteString;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.mesh.WireTensors;
import refiners.proto.textencoder.v1.EncodeImageRequest;
import refiners.proto.textencoder.v1.EncodeImageResponse;
import refiners.proto.textencoder.v1.EncodeRequest;
import refiners.proto.textencoder.v1.EncodeResponse;
import refiners.proto.textencoder.v1.PromptTokens;
import refiners.proto.textencoder.v1.TextEncoder;
import refiners.proto.unet.v1.ControlnetInfo;
import refiners.proto.unet.v1.DenoiseReady;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;
import refiners.proto.unet.v1.DenoiseResult;
import refiners.proto.unet.v1.DescribeModelRequest;
import refiners.proto.unet.v1.ListControlnetsRequest;
import refiners.proto.unet.v1.ListControlnetsResponse;
import refiners.proto.unet.v1.ListLorasRequest;
import refiners.proto.unet.v1.ListLorasResponse;
import refiners.proto.unet.v1.LoadLoraRequest;
import refiners.proto.unet.v1.LoraInfo;
import refiners.proto.unet.v1.ModelDescription;
import refiners.proto.unet.v1.UNet;
import refiners.proto.unet.v1.UnloadLoraRequest;
import refiners.proto.unet.v1.UnloadLoraResponse;
import refiners.proto.vae.v1.Autoencoder;
import refiners.proto.vae.v1.DecodeRequest;
import refiners.proto.vae.v1.DecodeResponse;

/**
 * Stand-ins for the three stages, served by the orchestrator under test itself (test mode points its stage clients at
 * its own port): zero embeddings, zero noise, zero latents and gray images, in the right shapes. Enough for the REST
 * and OpenAI routes to run whole generations without a mesh; pixels are the ITs' business.
 */
public final class FakeStages {
    private FakeStages() {}

    private static refiners.proto.common.v1.Tensor zeros(long... shape) {
        return WireTensors.toMessage(Tensor.zeros(DType.F32, shape));
    }

    @GrpcService
    public static class FakeTextEncoder implements TextEncoder {
        @Override
        public Uni<EncodeResponse> encode(EncodeRequest request) {
            EncodeResponse.Builder r = EncodeResponse.newBuilder().setEmbeddings(zeros(request.getPromptsCount(), 77, 768));
            for (int i = 0; i < request.getPromptsCount(); i++) r.addTokens(PromptTokens.newBuilder().setCount(2));
            return Uni.createFrom().item(r.build());
        }

        /** As text-encoder-svc answers without an image encoder. */
        @Override
        public Uni<EncodeImageResponse> encodeImage(EncodeImageRequest request) {
            return Uni.createFrom().failure(io.grpc.Status.FAILED_PRECONDITION.withDescription("images: no image encoder here").asRuntimeException());
        }
    }

    @GrpcService
    public static class FakeUNet implements UNet {
        /** Denoise streams open now: a cancelled generation's goes to 0. */
        public static final AtomicInteger OPEN_STREAMS = new AtomicInteger();
        /** Each step takes this long, so that a test can cancel mid-generation. */
        private static final Duration STEP = Duration.ofMillis(50);

        @Override
        public Multi<DenoiseResponse> denoise(Multi<DenoiseRequest> requests) {
            return requests.onSubscription().invoke(OPEN_STREAMS::incrementAndGet).onTermination().invoke(OPEN_STREAMS::decrementAndGet)
                    .onItem().transformToUniAndConcatenate(r -> r.hasStart()
                            ? Uni.createFrom().item(DenoiseResponse.newBuilder().setReady(DenoiseReady.newBuilder().setReplica("fake")).build())
                            : Uni.createFrom().item(DenoiseResponse.newBuilder().setResult(DenoiseResult.newBuilder().setStepIndex(r.getStep().getStepIndex())
                                    .setNoise(r.getStep().getLatents().toBuilder().setData(ByteString.copyFrom(new byte[r.getStep().getLatents().getData().size()])))
                                    .setBatchSize(1)).build()).onItem().delayIt().by(STEP));
        }

        @Override
        public Uni<ListLorasResponse> listLoras(ListLorasRequest request) {
            return Uni.createFrom().item(ListLorasResponse.newBuilder().addLoras(LoraInfo.newBuilder().setName("style").setRank(4)).build());
        }

        @Override
        public Uni<LoraInfo> loadLora(LoadLoraRequest request) {
            return Uni.createFrom().item(LoraInfo.newBuilder().setName(request.getName()).setLoaded(true).build());
        }

        @Override
        public Uni<UnloadLoraResponse> unloadLora(UnloadLoraRequest request) {
            return Uni.createFrom().item(UnloadLoraResponse.getDefaultInstance());
        }

        @Override
        public Uni<ModelDescription> describeModel(DescribeModelRequest request) {
            return Uni.createFrom().item(ModelDescription.newBuilder().setWeights("fake-sd15").setInpaintingWeights("fake-sd15-inpainting").build());
        }

        @Override
        public Uni<ListControlnetsResponse> listControlnets(ListControlnetsRequest request) {
            return Uni.createFrom().item(ListControlnetsResponse.newBuilder().addControlnets(ControlnetInfo.newBuilder().setName("canny")).build());
        }
    }

    @GrpcService
    public static class FakeAutoencoder implements Autoencoder {
        @Override
        public Uni<DecodeResponse> decode(DecodeRequest request) {
            var shape = request.getLatents().getShapeList();
            return Uni.createFrom().item(DecodeResponse.newBuilder().setTensor(zeros(1, 3, 8 * shape.get(2), 8 * shape.get(3))).build());
        }

        @Override
        public Uni<refiners.proto.vae.v1.EncodeResponse> encode(refiners.proto.vae.v1.EncodeRequest request) {
            var shape = request.getTensor().getShapeList();
            return Uni.createFrom().item(refiners.proto.vae.v1.EncodeResponse.newBuilder().setLatents(zeros(1, 4, shape.get(2) / 8, shape.get(3) / 8)).build());
        }
    }
}

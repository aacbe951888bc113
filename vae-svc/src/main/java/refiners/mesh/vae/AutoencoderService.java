package refiners.mesh.vae;

import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.util.concurrent.Callable;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.utils.Images;
import refiners.mesh.BoundedWorkers;
import refiners.mesh.WireTensors;
import refiners.proto.vae.v1.Autoencoder;
import refiners.proto.vae.v1.DecodeRequest;
import refiners.proto.vae.v1.DecodeResponse;
import refiners.proto.vae.v1.EncodeRequest;
import refiners.proto.vae.v1.EncodeResponse;
import refiners.proto.vae.v1.ImageFormat;

/** Decode (latents to PNG or tensor) and Encode (image to latents) on the bounded worker pool. */
@GrpcService
public class AutoencoderService implements Autoencoder {
    @Inject
    AutoencoderEngine engine;
    @Inject
    BoundedWorkers workers;
    @Inject
    AutoencoderConfig config;
    @Inject
    MeterRegistry registry;

    @Override
    public Uni<DecodeResponse> decode(DecodeRequest request) {
        return checked(() -> {
            Tensor latents = WireTensors.expect(WireTensors.fromMessage(request.getLatents(), "latents"), "latents", DType.F32, 1, 4, -1, -1);
            checkPixels("latents", 64 * latents.dim(2) * latents.dim(3));
            ImageFormat format = request.getFormat();
            if (format == ImageFormat.UNRECOGNIZED) throw WireTensors.invalid("format", "unknown image format");
            return workers.submit(() -> timed("vae-decode", () -> {
                Tensor image = engine.decode(latents);
                DecodeResponse.Builder r = DecodeResponse.newBuilder();
                return (format == ImageFormat.IMAGE_FORMAT_TENSOR ? r.setTensor(WireTensors.toMessage(image)) : r.setPng(com.google.protobuf.ByteString.copyFrom(Images.toPng(image)))).build();
            }));
        });
    }

    @Override
    public Uni<EncodeResponse> encode(EncodeRequest request) {
        return checked(() -> {
            Tensor image = switch (request.getImageCase()) {
                case ENCODED -> {
                    try {
                        yield Images.fromEncoded(request.getEncoded().toByteArray());
                    } catch (IllegalArgumentException e) {
                        throw WireTensors.invalid("encoded", e.getMessage());
                    }
                }
                case TENSOR -> WireTensors.expect(WireTensors.fromMessage(request.getTensor(), "tensor"), "tensor", DType.F32, 1, 3, -1, -1);
                case IMAGE_NOT_SET -> throw WireTensors.invalid("image", "an EncodeRequest must hold an encoded image or a tensor");
            };
            String field = request.getImageCase() == EncodeRequest.ImageCase.ENCODED ? "encoded" : "tensor";
            if (image.dim(2) % 8 != 0 || image.dim(3) % 8 != 0)
                throw WireTensors.invalid(field, "image sides must be multiples of 8, got " + image.dim(3) + "x" + image.dim(2));
            checkPixels(field, image.dim(2) * image.dim(3));
            return workers.submit(() -> timed("vae-encode",
                    () -> EncodeResponse.newBuilder().setLatents(WireTensors.toMessage(engine.encode(image))).build()));
        });
    }

    private void checkPixels(String field, long pixels) {
        if (pixels > config.maxPixels()) throw WireTensors.invalid(field, pixels + " pixels exceed the " + config.maxPixels() + "-pixel budget");
    }

    /** Readiness and argument checks fail the call rather than throwing on the event loop. */
    private <T> Uni<T> checked(Callable<Uni<T>> call) {
        if (!engine.ready())
            return Uni.createFrom().failure(Status.UNAVAILABLE.withDescription(AutoencoderWorkers.SERVICE + " is still loading its weights").asRuntimeException());
        try {
            return call.call();
        } catch (Exception e) {
            return Uni.createFrom().failure(e);
        }
    }

    private <T> T timed(String stage, Callable<T> work) throws Exception {
        return Timer.builder("refiners.stage").tag("stage", stage).publishPercentileHistogram()
                .description("model time per call").register(registry).recordCallable(work);
    }
}

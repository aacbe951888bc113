package refiners.mesh.vae;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalAutoencoder;
import refiners.mesh.GenerationIds;
import refiners.mesh.MeshConfig;
import refiners.mesh.ModelWork;
import refiners.mesh.StageTimers;
import refiners.mesh.WireTensors;
import refiners.proto.vae.v1.Autoencoder;
import refiners.proto.vae.v1.DecodeRequest;
import refiners.proto.vae.v1.DecodeResponse;
import refiners.proto.vae.v1.EncodeRequest;
import refiners.proto.vae.v1.EncodeResponse;
import refiners.proto.vae.v1.ImageFormat;

/** Decode (latents to PNG or tensor) and Encode (image to latents) on a worker (never the event loop). */
@GrpcService
public class AutoencoderService implements Autoencoder {
    private static final Logger LOG = Logger.getLogger(AutoencoderService.class);
    private final AutoencoderModel model;
    private final ModelWork work;
    private final MeshConfig config;
    private final Timer decodeTimer;
    private final Timer encodeTimer;

    @Inject
    public AutoencoderService(AutoencoderModel model, ModelWork work, MeshConfig config, MeterRegistry registry) {
        this.model = model;
        this.work = work;
        this.config = config;
        this.decodeTimer = StageTimers.register(registry, "vae-decode");
        this.encodeTimer = StageTimers.register(registry, "vae-encode");
    }

    @Override
    public Uni<DecodeResponse> decode(DecodeRequest request) {
        Tensor latents = WireTensors.expect(WireTensors.fromMessage(request.getLatents(), "latents"), "latents", DType.F32, 1, 4, -1, -1);
        checkPixels("latents", 64 * latents.dim(2) * latents.dim(3));
        ImageFormat format = request.getFormat();
        if (format == ImageFormat.UNRECOGNIZED) throw WireTensors.invalid("format", "unknown image format");
        LocalAutoencoder lda = model.get();
        return GenerationIds.within(request.getGenerationId(), () -> work.run(() -> decodeTimer.record(() -> {
            long t0 = System.nanoTime();
            Tensor image = lda.decode(latents);
            LOG.infof("decoded latents %s in %.0f ms", java.util.Arrays.toString(latents.shape()), (System.nanoTime() - t0) / 1e6);
            DecodeResponse.Builder r = DecodeResponse.newBuilder();
            return (format == ImageFormat.IMAGE_FORMAT_TENSOR ? r.setTensor(WireTensors.toMessage(image)) : r.setPng(ByteString.copyFrom(Images.toPng(image)))).build();
        })));
    }

    @Override
    public Uni<EncodeResponse> encode(EncodeRequest request) {
        String field = request.getImageCase() == EncodeRequest.ImageCase.ENCODED ? "encoded" : "tensor";
        Tensor image = switch (request.getImageCase()) {
            case ENCODED -> {
                try {
                    yield Images.fromEncoded(request.getEncoded().toByteArray(), config.maxPixels()); // size checked before decoding
                } catch (IllegalArgumentException e) {
                    throw WireTensors.invalid("encoded", e.getMessage());
                }
            }
            case TENSOR -> WireTensors.expect(WireTensors.fromMessage(request.getTensor(), "tensor"), "tensor", DType.F32, 1, 3, -1, -1);
            case IMAGE_NOT_SET -> throw WireTensors.invalid("image", "an EncodeRequest must hold an encoded image or a tensor");
        };
        if (image.dim(2) % 8 != 0 || image.dim(3) % 8 != 0)
            throw WireTensors.invalid(field, "image sides must be multiples of 8, got " + image.dim(3) + "x" + image.dim(2));
        checkPixels(field, image.dim(2) * image.dim(3));
        LocalAutoencoder lda = model.get();
        return GenerationIds.within(request.getGenerationId(),
                () -> work.run(() -> encodeTimer.record(() -> EncodeResponse.newBuilder().setLatents(WireTensors.toMessage(lda.encode(image))).build())));
    }

    private void checkPixels(String field, long pixels) {
        if (pixels > config.maxPixels()) throw WireTensors.invalid(field, pixels + " pixels exceed the " + config.maxPixels() + "-pixel budget");
    }
}

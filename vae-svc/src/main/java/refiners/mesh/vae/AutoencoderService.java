package refiners.mesh.vae;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jboss.logging.Logger;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.fluxion.utils.Images;
import refiners.mesh.Batcher;
import refiners.mesh.GenerationIds;
import refiners.mesh.MeshConfig;
import refiners.mesh.ModelFamilies;
import refiners.mesh.ModelWork;
import refiners.mesh.StageTimers;
import refiners.mesh.WireTensors;
import refiners.proto.vae.v1.Autoencoder;
import refiners.proto.vae.v1.DecodeRequest;
import refiners.proto.vae.v1.DecodeResponse;
import refiners.proto.vae.v1.EncodeRequest;
import refiners.proto.vae.v1.EncodeResponse;
import refiners.proto.vae.v1.ImageFormat;

/**
 * Decode (latents to PNG or tensor) and Encode (image to latents) on the workers (never the event loop). Concurrent
 * calls of the same size are batched into one autoencoder call (refiners.mesh.Batcher): each image is exactly what it
 * gets alone.
 */
@GrpcService
public class AutoencoderService implements Autoencoder {
    private static final Logger LOG = Logger.getLogger(AutoencoderService.class);
    private final AutoencoderModel model;
    private final MeshConfig config;
    private final Batcher<Input, Tensor> decoder;
    private final Batcher<Input, Tensor> encoder;
    private final List<String> served;

    /** A call's tensor and the model family it goes to (each batch holds one family: it is in the batch key). */
    private record Input(String model, Tensor tensor) {}

    @Inject
    public AutoencoderService(AutoencoderModel model, ModelWork work, MeshConfig config, MeterRegistry registry) {
        this.model = model;
        this.config = config;
        Timer decodeTimer = StageTimers.register(registry, "vae-decode"), encodeTimer = StageTimers.register(registry, "vae-encode");
        Batcher.Settings settings = Batcher.Settings.of(config);
        this.decoder = new Batcher<>("vae-decode", work, settings, registry, in -> split(decodeTimer.record(() -> model.get(in.get(0).model()).decode(concat(in)))));
        this.encoder = new Batcher<>("vae-encode", work, settings, registry, in -> split(encodeTimer.record(() -> model.get(in.get(0).model()).encode(concat(in)))));
        this.served = config.servedModels();
    }

    private static Tensor concat(List<Input> inputs) {
        return Tensors.concat(inputs.stream().map(Input::tensor).toList());
    }

    /** A batch's outputs, one per request (each request holds one image). */
    private static List<Tensor> split(Tensor batch) {
        List<Tensor> out = new ArrayList<>();
        for (long i = 0; i < batch.dim(0); i++) out.add(Tensors.narrow(batch, i, 1));
        return out;
    }

    /** The batch key of an input: its model family and shape (images of one family and size share a call). */
    private static List<Object> key(String family, Tensor t) {
        return List.of(family, Arrays.stream(t.shape()).boxed().toList());
    }

    @Override
    public Uni<DecodeResponse> decode(DecodeRequest request) {
        Tensor latents = WireTensors.expect(WireTensors.fromMessage(request.getLatents(), "latents"), "latents", DType.F32, 1, 4, -1, -1);
        checkPixels("latents", 64 * latents.dim(2) * latents.dim(3));
        ImageFormat format = request.getFormat();
        if (format == ImageFormat.UNRECOGNIZED) throw WireTensors.invalid("format", "unknown image format");
        String family = ModelFamilies.resolve(request.getModel(), served, "model");
        model.get(family); // UNAVAILABLE while loading
        String id = request.getGenerationId();
        return decoder.submit(key(family, latents), null, new Input(family, latents)).map(b -> GenerationIds.within(id, () -> {
            LOG.infof("decoded latents %s in %.0f ms (a call of %d)", Arrays.toString(latents.shape()), 1e3 * b.callSeconds(), b.batchSize());
            Tensor image = b.output();
            DecodeResponse.Builder r = DecodeResponse.newBuilder();
            return (format == ImageFormat.IMAGE_FORMAT_TENSOR ? r.setTensor(WireTensors.toMessage(image)) : r.setPng(ByteString.copyFrom(Images.toPng(image)))).build();
        }));
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
        String family = ModelFamilies.resolve(request.getModel(), served, "model");
        model.get(family); // UNAVAILABLE while loading
        String id = request.getGenerationId();
        return encoder.submit(key(family, image), null, new Input(family, image)).map(b -> GenerationIds.within(id, () -> {
            LOG.infof("encoded an image %s in %.0f ms (a call of %d)", Arrays.toString(image.shape()), 1e3 * b.callSeconds(), b.batchSize());
            return EncodeResponse.newBuilder().setLatents(WireTensors.toMessage(b.output())).build();
        }));
    }

    private void checkPixels(String field, long pixels) {
        if (pixels > config.maxPixels()) throw WireTensors.invalid(field, pixels + " pixels exceed the " + config.maxPixels() + "-pixel budget");
    }
}

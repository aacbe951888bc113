package refiners.mesh.textencoder;

import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import refiners.fluxion.InvalidRequestException;
import refiners.fluxion.Tensor;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalImageEncoder;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Stages;
import refiners.mesh.Batcher;
import refiners.mesh.GenerationIds;
import refiners.mesh.MeshConfig;
import refiners.mesh.ModelWork;
import refiners.mesh.StageTimers;
import refiners.mesh.WireTensors;
import refiners.proto.textencoder.v1.EncodeImageRequest;
import refiners.proto.textencoder.v1.EncodeImageResponse;

/**
 * EncodeImage: images checked and decoded (their size read from the header first), preprocessed, and the images of
 * concurrent calls encoded in one CLIPImageEncoderH call (refiners.mesh.Batcher); each call's rows are what it gets
 * alone (LocalImageEncoder: the zero input keeps every call at 2 rows or more).
 */
@ApplicationScoped
public class ImageEncoding {
    private static final Logger LOG = Logger.getLogger(ImageEncoding.class);

    private final TextEncoderModel model;
    private final Timer timer;
    private final Batcher<List<Tensor>, SD1Stages.ImageFeatures> batcher;

    @Inject
    public ImageEncoding(TextEncoderModel model, ModelWork work, MeshConfig mesh, MeterRegistry registry) {
        this.model = model;
        this.timer = StageTimers.register(registry, "image-encoder");
        this.batcher = new Batcher<>("image-encoder", work, Batcher.Settings.of(mesh), registry,
                requests -> timer.record(() -> encoder().encodePreprocessed(requests)));
    }

    private LocalImageEncoder encoder() {
        model.get(); // UNAVAILABLE while loading
        // image prompts are SD 1.5's: its encoders hold the image encoder, whichever family is the default
        LocalImageEncoder encoder = model.all().stream().map(TextEncoderModel.Encoders::image).filter(java.util.Objects::nonNull).findFirst().orElse(null);
        if (encoder == null)
            throw Status.FAILED_PRECONDITION.withDescription("images: image prompts need the image encoder, and none is configured (REFINERS_IMAGE_ENCODER_WEIGHTS)")
                    .asRuntimeException();
        return encoder;
    }

    public Uni<EncodeImageResponse> encode(EncodeImageRequest request) {
        encoder();
        int n = request.getImagesCount();
        if (n == 0) throw WireTensors.invalid("images", "is empty");
        if (n > GenerationRequest.MAX_IMAGE_PROMPTS) throw WireTensors.invalid("images", n + " images exceed the limit of " + GenerationRequest.MAX_IMAGE_PROMPTS);
        String id = request.getGenerationId();
        // decoding and resizing a large image takes a while: on a worker, not the event loop
        return Uni.createFrom().item(() -> preprocess(request)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .chain(inputs -> batcher.submit("images", null, inputs)).map(r -> GenerationIds.within(id, () -> {
            LOG.infof("encoded %d image prompts in %.0f ms (a call of %d)", n, 1e3 * r.callSeconds(), r.batchSize());
            SD1Stages.ImageFeatures f = r.output();
            return EncodeImageResponse.newBuilder().setImageEmbeddings(WireTensors.toMessage(f.embeddings()))
                    .setHiddenStates(WireTensors.toMessage(f.hiddenStates())).setZeroHiddenStates(WireTensors.toMessage(f.zeroHiddenStates())).build();
        }));
    }

    /** The request's images decoded and preprocessed (1, 3, 224, 224) each. */
    private static List<Tensor> preprocess(EncodeImageRequest request) {
        List<Tensor> inputs = new ArrayList<>(request.getImagesCount());
        for (int i = 0; i < request.getImagesCount(); i++)
            inputs.add(LocalImageEncoder.preprocess(List.of(decode("images[" + i + "]", request.getImages(i).toByteArray()))).get(0));
        return inputs;
    }

    /** A PNG or JPEG as (H, W, 3) RGB, or INVALID_ARGUMENT naming the field. */
    static Tensor decode(String field, byte[] data) {
        if (data.length == 0) throw new InvalidRequestException(field, "is empty (a PNG or JPEG image)");
        try {
            return Images.decodeRgb(data, GenerationRequest.MAX_IMAGE_PROMPT_PIXELS);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field, e.getMessage());
        }
    }
}

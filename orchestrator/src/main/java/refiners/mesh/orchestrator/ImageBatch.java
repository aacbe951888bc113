package refiners.mesh.orchestrator;

import io.grpc.Deadline;
import io.grpc.Status;
import io.smallrye.mutiny.Multi;
import java.util.ArrayList;
import java.util.List;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;

/**
 * The images of one request (num_images): image i is the request with seed + i, generated at the same time as the
 * others (their steps batch in unet-svc), its events tagged with image_index. One failing fails the request and cancels
 * the others; a caller that goes away cancels them all.
 */
public final class ImageBatch {
    public static final int MAX_IMAGES = 8;

    private ImageBatch() {}

    /** The request's num_images (default 1), or INVALID_ARGUMENT naming the field. */
    public static int count(GenerateRequest request) {
        int n = request.hasNumImages() ? request.getNumImages() : 1;
        if (n < 1 || n > MAX_IMAGES)
            throw Status.INVALID_ARGUMENT.withDescription("num_images: must be in 1.." + MAX_IMAGES + ", got " + n).asRuntimeException();
        return n;
    }

    /** Image i's request: {@code first} (validated, its seed chosen) with seed + i. */
    public static List<GenerationRequest> images(GenerationRequest first, int count) {
        List<GenerationRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(first.withSeed(first.seed() + i));
        return out;
    }

    /**
     * The request's images (validated here: a bad field throws INVALID_ARGUMENT before anything runs) as one stream of
     * their events, merged as they come, each event carrying its image_index.
     */
    public static Multi<GenerateEvent> generate(Generations generations, GenerateRequest request, Deadline callerDeadline) {
        int count = count(request);
        GenerationRequest first = generations.validate(request);
        return generate(generations, images(first, count), generations.family(request, first), request.getPreviewEvery(), callerDeadline);
    }

    static Multi<GenerateEvent> generate(Generations generations, List<GenerationRequest> images, String family, int previewEvery, Deadline callerDeadline) {
        if (images.size() == 1) return generations.generate(images.get(0), family, previewEvery, callerDeadline);
        List<Multi<GenerateEvent>> streams = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            int index = i;
            streams.add(generations.generate(images.get(i), family, previewEvery, callerDeadline).map(e -> indexed(e, index)));
        }
        return Multi.createBy().merging().withConcurrency(images.size()).streams(streams);
    }

    static GenerateEvent indexed(GenerateEvent e, int index) {
        return e.hasProgress() ? GenerateEvent.newBuilder().setProgress(e.getProgress().toBuilder().setImageIndex(index)).build()
                : GenerateEvent.newBuilder().setResult(e.getResult().toBuilder().setImageIndex(index)).build();
    }
}

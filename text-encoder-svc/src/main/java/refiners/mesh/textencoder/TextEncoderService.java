package refiners.mesh.textencoder;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalTextEncoder;
import refiners.mesh.Batcher;
import refiners.mesh.GenerationIds;
import refiners.mesh.MeshConfig;
import refiners.mesh.MeshLoras;
import refiners.mesh.ModelWork;
import refiners.mesh.StageTimers;
import refiners.mesh.WireTensors;
import refiners.proto.textencoder.v1.EncodeRequest;
import refiners.proto.textencoder.v1.EncodeResponse;
import refiners.proto.textencoder.v1.PromptTokens;
import refiners.proto.textencoder.v1.TextEncoder;

/**
 * Encode on the workers (never the event loop). Concurrent calls with the same LoRA set (counting only LoRAs with
 * text-encoder layers) are batched into one CLIP call (refiners.mesh.Batcher): each call's rows are exactly what it
 * gets alone.
 */
@GrpcService
public class TextEncoderService implements TextEncoder {
    private static final Logger LOG = Logger.getLogger(TextEncoderService.class);
    private final TextEncoderModel model;
    private final MeshLoras loras;
    private final TextEncoderConfig config;
    private final Timer timer;
    private final Batcher<Request, Tensor> batcher;

    @Inject
    public TextEncoderService(TextEncoderModel model, ModelWork work, MeshLoras loras, TextEncoderConfig config, MeshConfig mesh, MeterRegistry registry) {
        this.model = model;
        this.loras = loras;
        this.config = config;
        this.timer = StageTimers.register(registry, "text-encoder");
        this.batcher = new Batcher<>("text-encoder", work, Batcher.Settings.of(mesh), registry, this::encodeAll);
    }

    /** One CLIP call for the prompts of several requests (one LoRA set), split back per request. */
    private List<Tensor> encodeAll(List<Request> requests) {
        List<String> prompts = new ArrayList<>();
        for (Request r : requests) prompts.addAll(r.prompts());
        Tensor all = timer.record(() -> model.get().encode(prompts, requests.get(0).loras()));
        List<Tensor> out = new ArrayList<>();
        int row = 0;
        for (Request r : requests) {
            out.add(Tensors.narrow(all, row, r.prompts().size()));
            row += r.prompts().size();
        }
        return out;
    }

    private record Request(List<String> prompts, List<LoraWeight> loras) {}

    @Override
    public Uni<EncodeResponse> encode(EncodeRequest request) {
        List<String> prompts = request.getPromptsList();
        if (prompts.isEmpty()) throw WireTensors.invalid("prompts", "is empty");
        if (prompts.size() > config.maxPrompts()) throw WireTensors.invalid("prompts", prompts.size() + " prompts exceed the limit of " + config.maxPrompts());
        List<LoraWeight> loraSet = new ArrayList<>();
        for (int i = 0; i < request.getLorasCount(); i++) {
            var l = request.getLoras(i);
            String field = "loras[" + i + "]";
            loras.require(l.getName(), field + ".name");
            if (!Float.isFinite(l.getScale())) throw WireTensors.invalid(field + ".scale", "must be finite, got " + l.getScale());
            loraSet.add(new LoraWeight(l.getName(), l.getScale()));
        }
        // a LoRA without text-encoder layers (UNet-only) changes nothing here: left out, such a request shares a CLIP
        // call with those without LoRAs, and gets the same embeddings as with it
        List<LoraWeight> textEncoderSet = loraSet.stream().filter(l -> !loras.knownWithoutTextEncoderLayers(l.name())).toList();
        LocalTextEncoder encoder = model.get();
        String id = request.getGenerationId();
        return batcher.submit(textEncoderSet, null, new Request(List.copyOf(prompts), textEncoderSet)).map(r -> GenerationIds.within(id, () -> {
            LOG.infof("encoded %d prompts, %d LoRAs, in %.0f ms (a call of %d)", prompts.size(), loraSet.size(), 1e3 * r.callSeconds(), r.batchSize());
            EncodeResponse.Builder response = EncodeResponse.newBuilder().setEmbeddings(WireTensors.toMessage(r.output()));
            for (String p : prompts) {
                var t = encoder.model().tokenizer().tokenization(p);
                response.addTokens(PromptTokens.newBuilder().setCount(t.length()).setTruncated(t.truncated()));
            }
            return response.build();
        }));
    }
}

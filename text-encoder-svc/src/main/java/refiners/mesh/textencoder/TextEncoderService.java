package refiners.mesh.textencoder;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import refiners.fluxion.Tensor;
import refiners.fluxion.Tensors;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalTextEncoder;
import refiners.mesh.Batcher;
import refiners.mesh.Batcher.Batched;
import refiners.mesh.GenerationIds;
import refiners.mesh.MeshConfig;
import refiners.mesh.MeshLoras;
import refiners.mesh.ModelFamilies;
import refiners.mesh.ModelWork;
import refiners.mesh.StageTimers;
import refiners.mesh.WireTensors;
import refiners.proto.textencoder.v1.EncodeImageRequest;
import refiners.proto.textencoder.v1.EncodeImageResponse;
import refiners.proto.textencoder.v1.EncodeRequest;
import refiners.proto.textencoder.v1.EncodeResponse;
import refiners.proto.textencoder.v1.PromptTokens;
import refiners.proto.textencoder.v1.TextEncoder;

/**
 * Encode on the workers (never the event loop). Prompts encoded recently come from the PromptCache; the others of
 * concurrent calls with the same LoRA set (counting only LoRAs with text-encoder layers) are batched into one CLIP call
 * (refiners.mesh.Batcher): each call's rows are exactly what it gets alone.
 */
@GrpcService
public class TextEncoderService implements TextEncoder {
    private static final Logger LOG = Logger.getLogger(TextEncoderService.class);
    private final TextEncoderModel model;
    private final MeshLoras loras;
    private final TextEncoderConfig config;
    private final Timer timer;
    private final Batcher<Request, List<Tensor>> batcher;
    private final List<String> served;
    private final PromptCache cache;
    private final ImageEncoding images;

    @Inject
    public TextEncoderService(TextEncoderModel model, ModelWork work, MeshLoras loras, TextEncoderConfig config, MeshConfig mesh, MeterRegistry registry,
                              ImageEncoding images) {
        this.model = model;
        this.images = images;
        this.loras = loras;
        this.config = config;
        this.timer = StageTimers.register(registry, "text-encoder");
        this.batcher = new Batcher<>("text-encoder", work, Batcher.Settings.of(mesh), registry, this::encodeAll);
        // the deterministic mode promises nothing of rows computed amid other prompts (devices not tested), so no reuse
        this.cache = new PromptCache(mesh.deterministic() ? 0 : config.promptCache(), registry);
        this.served = mesh.servedModels();
    }

    /**
     * One text-encoder call for the prompts of several requests (one model family, one LoRA set), split back per
     * request: each gets its rows of every output (SDXL: embeddings and pooled embeddings).
     */
    private List<List<Tensor>> encodeAll(List<Request> requests) {
        List<String> prompts = new ArrayList<>();
        for (Request r : requests) prompts.addAll(r.prompts());
        List<Tensor> all = timer.record(() -> model.get(requests.get(0).model()).text().encodeAll(prompts, requests.get(0).loras()));
        List<List<Tensor>> out = new ArrayList<>();
        int row = 0;
        for (Request r : requests) {
            int from = row;
            out.add(all.stream().map(t -> Tensors.narrow(t, from, r.prompts().size())).toList());
            row += r.prompts().size();
        }
        return out;
    }

    @Override
    public Uni<EncodeImageResponse> encodeImage(EncodeImageRequest request) {
        return images.encode(request);
    }

    private record Request(String model, List<String> prompts, List<LoraWeight> loras) {}

    @Override
    public Uni<EncodeResponse> encode(EncodeRequest request) {
        List<String> prompts = request.getPromptsList();
        if (prompts.isEmpty()) throw WireTensors.invalid("prompts", "is empty");
        if (prompts.size() > config.maxPrompts()) throw WireTensors.invalid("prompts", prompts.size() + " prompts exceed the limit of " + config.maxPrompts());
        String family = ModelFamilies.resolve(request.getModel(), served, "model");
        List<LoraWeight> loraSet = loras.require(request.getLorasList());
        // a LoRA without text-encoder layers (UNet-only) changes nothing here: left out, such a request shares a CLIP
        // call with those without LoRAs, and gets the same embeddings as with it
        List<LoraWeight> textEncoderSet = loraSet.stream().filter(l -> !loras.knownWithoutTextEncoderLayers(family, l.name())).toList();
        LocalTextEncoder encoder = model.get(family).text();
        String id = request.getGenerationId();
        Map<String, List<Tensor>> rows = new LinkedHashMap<>();
        for (String p : prompts) {
            List<Tensor> row = rows.containsKey(p) ? rows.get(p) : cache.get(new PromptCache.Key(family, p, textEncoderSet));
            rows.put(p, row);
        }
        List<String> missing = rows.entrySet().stream().filter(e -> e.getValue() == null).map(Map.Entry::getKey).toList();
        Uni<Batched<List<Tensor>>> encoded = missing.isEmpty() ? Uni.createFrom().item(new Batched<>(null, 0, 0, 0))
                : batcher.submit(List.of(family, textEncoderSet), null, new Request(family, missing, textEncoderSet));
        return encoded.map(r -> GenerationIds.within(id, () -> {
            for (int i = 0; i < missing.size(); i++) {
                int index = i;
                List<Tensor> row = r.output().stream().map(t -> Tensors.narrow(t, index, 1)).toList();
                cache.put(new PromptCache.Key(family, missing.get(i), textEncoderSet), row);
                rows.put(missing.get(i), row);
            }
            if (missing.isEmpty()) LOG.infof("encoded %d prompts, %d LoRAs, from the cache", prompts.size(), loraSet.size());
            else LOG.infof("encoded %d prompts (%d from the cache), %d LoRAs, in %.0f ms (a call of %d)", prompts.size(), prompts.size() - missing.size(),
                    loraSet.size(), 1e3 * r.callSeconds(), r.batchSize());
            Tensor embeddings = Tensors.concat(prompts.stream().map(p -> rows.get(p).get(0)).toList());
            EncodeResponse.Builder response = EncodeResponse.newBuilder().setEmbeddings(WireTensors.toMessage(embeddings));
            if (family.equals(ModelFamilies.SDXL))
                response.setPooledEmbeddings(WireTensors.toMessage(Tensors.concat(prompts.stream().map(p -> rows.get(p).get(1)).toList())));
            for (String p : prompts) {
                var t = encoder.tokenizer().tokenization(p);
                response.addTokens(PromptTokens.newBuilder().setCount(t.length()).setTruncated(t.truncated()));
            }
            return response.build();
        }));
    }
}

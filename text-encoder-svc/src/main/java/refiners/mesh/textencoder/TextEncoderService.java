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
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.LocalTextEncoder;
import refiners.mesh.GenerationIds;
import refiners.mesh.MeshLoras;
import refiners.mesh.ModelWork;
import refiners.mesh.StageTimers;
import refiners.mesh.WireTensors;
import refiners.proto.textencoder.v1.EncodeRequest;
import refiners.proto.textencoder.v1.EncodeResponse;
import refiners.proto.textencoder.v1.PromptTokens;
import refiners.proto.textencoder.v1.TextEncoder;

/** Encode: a batch of prompts in one model call, on a worker (never the event loop). */
@GrpcService
public class TextEncoderService implements TextEncoder {
    private static final Logger LOG = Logger.getLogger(TextEncoderService.class);
    private final TextEncoderModel model;
    private final ModelWork work;
    private final MeshLoras loras;
    private final TextEncoderConfig config;
    private final Timer timer;

    @Inject
    public TextEncoderService(TextEncoderModel model, ModelWork work, MeshLoras loras, TextEncoderConfig config, MeterRegistry registry) {
        this.model = model;
        this.work = work;
        this.loras = loras;
        this.config = config;
        this.timer = StageTimers.register(registry, "text-encoder");
    }

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
        LocalTextEncoder encoder = model.get();
        return GenerationIds.within(request.getGenerationId(), () -> work.run(() -> timer.record(() -> {
            long t0 = System.nanoTime();
            Tensor embeddings = encoder.encode(prompts, loraSet);
            LOG.infof("encoded %d prompts, %d LoRAs, in %.0f ms", prompts.size(), loraSet.size(), (System.nanoTime() - t0) / 1e6);
            EncodeResponse.Builder response = EncodeResponse.newBuilder().setEmbeddings(WireTensors.toMessage(embeddings));
            for (String p : prompts) {
                var t = encoder.model().tokenizer().tokenization(p);
                response.addTokens(PromptTokens.newBuilder().setCount(t.length()).setTruncated(t.truncated()));
            }
            return response.build();
        })));
    }
}

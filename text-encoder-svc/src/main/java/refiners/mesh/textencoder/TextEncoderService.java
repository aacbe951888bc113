package refiners.mesh.textencoder;

import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight;
import refiners.mesh.BoundedWorkers;
import refiners.mesh.LoraNames;
import refiners.mesh.WireTensors;
import refiners.proto.textencoder.v1.EncodeRequest;
import refiners.proto.textencoder.v1.EncodeResponse;
import refiners.proto.textencoder.v1.PromptTokens;
import refiners.proto.textencoder.v1.TextEncoder;

/** Encode: a batch of prompts in one model call, on the bounded worker pool (never the event loop). */
@GrpcService
public class TextEncoderService implements TextEncoder {
    @Inject
    TextEncoderEngine engine;
    @Inject
    BoundedWorkers workers;
    @Inject
    TextEncoderConfig config;
    @Inject
    MeterRegistry registry;

    @Override
    public Uni<EncodeResponse> encode(EncodeRequest request) {
        List<String> prompts = request.getPromptsList();
        if (prompts.isEmpty()) return Uni.createFrom().failure(WireTensors.invalid("prompts", "is empty"));
        if (prompts.size() > config.maxPrompts())
            return Uni.createFrom().failure(WireTensors.invalid("prompts", prompts.size() + " prompts exceed the limit of " + config.maxPrompts()));
        List<LoraWeight> loras = new ArrayList<>();
        try {
            for (int i = 0; i < request.getLorasCount(); i++) {
                var l = request.getLoras(i);
                LoraNames.resolve(LoraNames.directory(config.loraDir()), l.getName(), "loras[" + i + "].name");
                if (!Float.isFinite(l.getScale())) throw WireTensors.invalid("loras[" + i + "].scale", "must be finite, got " + l.getScale());
                loras.add(new LoraWeight(l.getName(), l.getScale()));
            }
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        if (!engine.ready())
            return Uni.createFrom().failure(Status.UNAVAILABLE.withDescription(TextEncoderWorkers.SERVICE + " is still loading its weights").asRuntimeException());
        Timer timer = Timer.builder("refiners.stage").tag("stage", "text-encoder").publishPercentileHistogram()
                .description("model time per call").register(registry);
        return workers.submit(() -> timer.record(() -> {
            Tensor embeddings = engine.encode(prompts, loras);
            EncodeResponse.Builder response = EncodeResponse.newBuilder().setEmbeddings(WireTensors.toMessage(embeddings));
            for (String p : prompts) {
                var t = engine.tokenization(p);
                response.addTokens(PromptTokens.newBuilder().setCount(t.length()).setTruncated(t.truncated()));
            }
            return response.build();
        }));
    }
}

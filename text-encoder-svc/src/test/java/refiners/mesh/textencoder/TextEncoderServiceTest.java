package refiners.mesh.textencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DetInit;
import refiners.fluxion.safetensors.SafeTensorsWriter;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1UNet;
import refiners.mesh.BrokenLoras;
import refiners.mesh.ModelWork;
import refiners.mesh.ServiceModel;
import refiners.mesh.ServiceTestBase;
import refiners.mesh.WireTensors;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.textencoder.v1.EncodeRequest;
import refiners.proto.textencoder.v1.TextEncoderGrpc;

@QuarkusTest
class TextEncoderServiceTest extends ServiceTestBase {
    @Inject
    TextEncoderModel model;
    @Inject
    ModelWork work;

    TextEncoderGrpc.TextEncoderBlockingStub textEncoder;
    /** CLIP calls so far. */
    static final String CALLS = "refiners_batch_size_count{stage=\"text-encoder\"}";

    @Override
    protected ServiceModel<?> model() {
        return model;
    }

    @BeforeEach
    void stub() {
        textEncoder = TextEncoderGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
    }

    @Test
    void encodesABatchOfPromptsInOneCallAsTheEngineDoes() {
        List<String> prompts = List.of("", "a lighthouse on a cliff at sunset", "word ".repeat(100));
        var response = textEncoder.encode(EncodeRequest.newBuilder().addAllPrompts(prompts).build());
        assertEquals(WireTensors.toMessage(model.get().encode(prompts, List.of())), response.getEmbeddings());
        assertEquals(List.of(3L, 77L, 768L), response.getEmbeddings().getShapeList());
        assertEquals(2, response.getTokens(0).getCount());
        assertEquals(false, response.getTokens(1).getTruncated());
        assertEquals(77, response.getTokens(2).getCount());
        assertEquals(true, response.getTokens(2).getTruncated());
    }

    @Test
    void concurrentCallsShareACallAndEachGetsItsOwnEmbeddings() throws Exception {
        var async = TextEncoderGrpc.newFutureStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
        var blocker = async.encode(EncodeRequest.newBuilder().addAllPrompts(Collections.nCopies(16, "keeps the model busy")).build());
        List<List<String>> prompts = List.of(List.of("", "a red fox"), List.of("blurry", "a castle at dusk"), List.of("a lighthouse"));
        List<com.google.common.util.concurrent.ListenableFuture<refiners.proto.textencoder.v1.EncodeResponse>> calls = new java.util.ArrayList<>();
        for (List<String> p : prompts) calls.add(async.encode(EncodeRequest.newBuilder().addAllPrompts(p).build()));
        blocker.get(10, TimeUnit.MINUTES);
        for (int i = 0; i < prompts.size(); i++)
            assertEquals(WireTensors.toMessage(model.get().encode(prompts.get(i), List.of())), calls.get(i).get(10, TimeUnit.MINUTES).getEmbeddings(), "call " + i);
        assertTrue(metric("refiners_batch_size_max{stage=\"text-encoder\"}") >= 2, "the calls queued behind the first were not batched");
    }

    @Test
    void aUNetOnlyLoraChangesNothingHereAndSharesTheCallOfRequestsWithoutLoras() throws Exception {
        Map<String, long[]> shapes = new SD1UNet(4).stateDictShapes();
        String key = shapes.keySet().stream().filter(k -> k.contains("CrossAttentionBlock") && k.endsWith(".weight") && shapes.get(k).length == 2).findFirst().orElseThrow();
        String layer = "unet." + key.substring(0, key.length() - ".weight".length());
        Files.createDirectories(BrokenLoras.DIR);
        SafeTensorsWriter.write(BrokenLoras.DIR.resolve("unet-only.safetensors"), Map.of(
                layer + ".down.weight", DetInit.tensor("down", new long[] {4, shapes.get(key)[1]}, 9),
                layer + ".up.weight", DetInit.tensor("up", new long[] {shapes.get(key)[0], 4}, 9)));
        LoraWeight unetOnly = LoraWeight.newBuilder().setName("unet-only").setScale(1).build();
        textEncoder.encode(EncodeRequest.newBuilder().addPrompts("loads the LoRA").addLoras(unetOnly).build());

        double callsBefore = metric(CALLS);
        var async = TextEncoderGrpc.newFutureStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
        var blocker = async.encode(EncodeRequest.newBuilder().addAllPrompts(Collections.nCopies(16, "keeps the model busy")).build());
        while (work.running() == 0) Thread.sleep(1);
        Thread.sleep(50);
        var plain = async.encode(EncodeRequest.newBuilder().addPrompts("a red fox").build());
        var withLora = async.encode(EncodeRequest.newBuilder().addPrompts("a castle at dusk").addLoras(unetOnly).build());
        blocker.get(10, TimeUnit.MINUTES);
        assertEquals(WireTensors.toMessage(model.get().encode(List.of("a red fox"), List.of())), plain.get(10, TimeUnit.MINUTES).getEmbeddings());
        assertEquals(WireTensors.toMessage(model.get().encode(List.of("a castle at dusk"), List.of())), withLora.get(10, TimeUnit.MINUTES).getEmbeddings());
        assertEquals(2, metric(CALLS) - callsBefore, "the busy call, then one call for both requests");
    }

    @Test
    void anEmptyOrOversizedBatchIsInvalid() {
        for (EncodeRequest bad : List.of(EncodeRequest.getDefaultInstance(),
                EncodeRequest.newBuilder().addAllPrompts(Collections.nCopies(17, "x")).build())) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> textEncoder.encode(bad));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().startsWith("prompts: "), e.getStatus().getDescription());
        }
    }

    @Test
    void aLoraFileThatCannotBeUsedIsFailedPreconditionNamedWithoutItsPath() throws Exception {
        BrokenLoras.write();
        for (String name : List.of("truncated", "sdxl"))
            BrokenLoras.assertRefused(assertThrows(StatusRuntimeException.class, () -> textEncoder.encode(EncodeRequest.newBuilder().addPrompts("x")
                    .addLoras(LoraWeight.newBuilder().setName(name).setScale(1)).build())), "loras[0].name", name);
    }
}

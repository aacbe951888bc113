package refiners.mesh.textencoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
    static final String HITS = "refiners_prompt_cache_total{result=\"hit\"}";

    @Override
    protected ServiceModel<?> model() {
        return model;
    }

    @BeforeEach
    void stub() {
        textEncoder = TextEncoderGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
    }

    /** 16 prompts never encoded before: a call that keeps the model busy (cached or repeated prompts would not). */
    static List<String> busy() {
        String nonce = UUID.randomUUID().toString();
        return IntStream.range(0, 16).mapToObj(i -> "keeps the model busy " + i + " " + nonce).toList();
    }

    @Test
    void aPromptEncodedBeforeComesFromTheCacheWithTheBitsOfACall() throws Exception {
        String negative = "blurry, " + UUID.randomUUID(), first = "a red fox " + UUID.randomUUID(), second = "a castle at dusk " + UUID.randomUUID();
        double calls = metric(CALLS), hits = metric(HITS);
        textEncoder.encode(EncodeRequest.newBuilder().addPrompts(first).addPrompts(negative).build());
        var response = textEncoder.encode(EncodeRequest.newBuilder().addPrompts(second).addPrompts(negative).addPrompts(second).build());
        assertEquals(WireTensors.toMessage(model.get().text().encode(List.of(second, negative, second), List.of())), response.getEmbeddings(),
                "the negative prompt from the cache, the other computed once");
        assertEquals(1, metric(HITS) - hits);
        assertEquals(2, metric(CALLS) - calls);
        assertEquals(WireTensors.toMessage(model.get().text().encode(List.of(negative, first), List.of())),
                textEncoder.encode(EncodeRequest.newBuilder().addPrompts(negative).addPrompts(first).build()).getEmbeddings());
        assertEquals(2, metric(CALLS) - calls, "both prompts came from the cache: no CLIP call");

        // a LoRA on the text encoder makes other embeddings of the same prompt: never the cached ones
        Files.createDirectories(BrokenLoras.DIR);
        String layer = "text_encoder.TransformerLayer_4.Residual_1.SelfAttention.Distribute.Linear_3";
        SafeTensorsWriter.write(BrokenLoras.DIR.resolve("te-style.safetensors"), Map.of(
                layer + ".down.weight", DetInit.tensor("down", new long[] {4, 768}, 9), layer + ".up.weight", DetInit.tensor("up", new long[] {768, 4}, 9)));
        var withLora = textEncoder.encode(EncodeRequest.newBuilder().addPrompts(negative).addLoras(LoraWeight.newBuilder().setName("te-style").setScale(1)).build());
        var lora = List.of(new refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest.LoraWeight("te-style", 1));
        assertEquals(WireTensors.toMessage(model.get().text().encode(List.of(negative), lora)), withLora.getEmbeddings());
        assertNotEquals(WireTensors.toMessage(model.get().text().encode(List.of(negative), List.of())), withLora.getEmbeddings());
        assertEquals(3, metric(CALLS) - calls);
        assertEquals(withLora.getEmbeddings(), textEncoder.encode(EncodeRequest.newBuilder().addPrompts(negative)
                .addLoras(LoraWeight.newBuilder().setName("te-style")).build()).getEmbeddings(), "a LoRA without a scale is applied as trained");
    }

    @Test
    void encodesABatchOfPromptsInOneCallAsTheEngineDoes() {
        List<String> prompts = List.of("", "a lighthouse on a cliff at sunset", "word ".repeat(100));
        var response = textEncoder.encode(EncodeRequest.newBuilder().addAllPrompts(prompts).build());
        assertEquals(WireTensors.toMessage(model.get().text().encode(prompts, List.of())), response.getEmbeddings());
        assertEquals(List.of(3L, 77L, 768L), response.getEmbeddings().getShapeList());
        assertEquals(2, response.getTokens(0).getCount());
        assertEquals(false, response.getTokens(1).getTruncated());
        assertEquals(77, response.getTokens(2).getCount());
        assertEquals(true, response.getTokens(2).getTruncated());
    }

    @Test
    void concurrentCallsShareACallAndEachGetsItsOwnEmbeddings() throws Exception {
        var async = TextEncoderGrpc.newFutureStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
        var blocker = async.encode(EncodeRequest.newBuilder().addAllPrompts(busy()).build());
        List<List<String>> prompts = List.of(List.of("", "a red fox"), List.of("blurry", "a castle at dusk"), List.of("a lighthouse"));
        List<com.google.common.util.concurrent.ListenableFuture<refiners.proto.textencoder.v1.EncodeResponse>> calls = new java.util.ArrayList<>();
        for (List<String> p : prompts) calls.add(async.encode(EncodeRequest.newBuilder().addAllPrompts(p).build()));
        blocker.get(10, TimeUnit.MINUTES);
        for (int i = 0; i < prompts.size(); i++)
            assertEquals(WireTensors.toMessage(model.get().text().encode(prompts.get(i), List.of())), calls.get(i).get(10, TimeUnit.MINUTES).getEmbeddings(), "call " + i);
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
        String fox = "a red fox " + UUID.randomUUID(), castle = "a castle at dusk " + UUID.randomUUID(); // never cached
        var async = TextEncoderGrpc.newFutureStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
        var blocker = async.encode(EncodeRequest.newBuilder().addAllPrompts(busy()).build());
        while (work.running() == 0) Thread.sleep(1);
        Thread.sleep(50);
        var plain = async.encode(EncodeRequest.newBuilder().addPrompts(fox).build());
        var withLora = async.encode(EncodeRequest.newBuilder().addPrompts(castle).addLoras(unetOnly).build());
        blocker.get(10, TimeUnit.MINUTES);
        assertEquals(WireTensors.toMessage(model.get().text().encode(List.of(fox), List.of())), plain.get(10, TimeUnit.MINUTES).getEmbeddings());
        assertEquals(WireTensors.toMessage(model.get().text().encode(List.of(castle), List.of())), withLora.get(10, TimeUnit.MINUTES).getEmbeddings());
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
    void loraSetsAreCheckedByTheOrchestratorsRulesBeforeAnyFileIsLookedFor() {
        assertInvalid("loras[0].scale: must be finite and within -10..10, got 11.0", LoraWeight.newBuilder().setName("nope").setScale(11).build());
        assertInvalid("loras[1].name: 'nope' is listed twice", LoraWeight.newBuilder().setName("nope").build(), LoraWeight.newBuilder().setName("nope").build());
    }

    void assertInvalid(String message, LoraWeight... loras) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> textEncoder.encode(EncodeRequest.newBuilder().addPrompts("x").addAllLoras(List.of(loras)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertEquals(message, e.getStatus().getDescription());
    }

    @Test
    void aLoraFileThatCannotBeUsedIsRefusedNamedWithoutItsPath() throws Exception {
        BrokenLoras.write();
        BrokenLoras.assertRefused(assertThrows(StatusRuntimeException.class, () -> encodeWithLora("truncated")), "loras[0].name", "truncated");
        BrokenLoras.assertForAnotherFamily(assertThrows(StatusRuntimeException.class, () -> encodeWithLora("sdxl")), "loras[0].name", "sdxl");
    }

    private void encodeWithLora(String name) {
        textEncoder.encode(EncodeRequest.newBuilder().addPrompts("x").addLoras(LoraWeight.newBuilder().setName(name).setScale(1)).build());
    }

    @Test
    void imagePromptsWithoutAnImageEncoderAreAFailedPreconditionNamingTheSetting() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> textEncoder.encodeImage(
                refiners.proto.textencoder.v1.EncodeImageRequest.newBuilder().addImages(com.google.protobuf.ByteString.copyFromUtf8("x")).build()));
        assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().startsWith("images: ") && e.getStatus().getDescription().contains("REFINERS_IMAGE_ENCODER_WEIGHTS"),
                e.getStatus().getDescription());
    }
}

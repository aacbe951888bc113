package refiners.mesh.unet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.mesh.BrokenLoras;
import refiners.mesh.DenoiseCall;
import refiners.mesh.ServiceModel;
import refiners.mesh.ServiceTestBase;
import refiners.mesh.WireTensors;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.unet.v1.DenoiseControlnet;
import refiners.proto.unet.v1.DenoiseRequest;
import refiners.proto.unet.v1.DenoiseResponse;
import refiners.proto.unet.v1.DenoiseStart;
import refiners.proto.unet.v1.DenoiseStep;
import refiners.proto.unet.v1.LoadLoraRequest;
import refiners.proto.unet.v1.UNetGrpc;

/** The Denoise stream in one JVM: answers equal the model's own denoiser bit for bit; steps resume on a new stream. */
@QuarkusTest
class UNetServiceTest extends ServiceTestBase {
    static final long[] LATENTS = {1, 4, 8, 8};
    /** The ControlNet directory of the tests (%test.refiners.unet.controlnet-dir). */
    static final Path CONTROLNETS = Path.of("target/test-controlnets");

    @Inject
    UNetModel model;


    @Override
    protected ServiceModel<?> model() {
        return model;
    }

    static Tensor embedding(long seed) {
        return GaussianNoise.sample(seed, 1, 77, 768);
    }

    static DenoiseStart.Builder start() {
        DenoiseStart.Builder b = DenoiseStart.newBuilder().setConditionalEmbedding(WireTensors.toMessage(embedding(1)))
                .setUnconditionalEmbedding(WireTensors.toMessage(embedding(2))).setGuidanceScale(7.5f).setGenerationId("test");
        for (long d : LATENTS) b.addLatentShape(d);
        return b;
    }

    static DenoiseRequest step(int index, double timestep, long seed) {
        return DenoiseRequest.newBuilder().setStep(DenoiseStep.newBuilder().setStepIndex(index).setTimestep(timestep)
                .setLatents(WireTensors.toMessage(GaussianNoise.sample(seed, LATENTS)))).build();
    }

    List<DenoiseResponse> exchange(List<DenoiseRequest> messages) throws Exception {
        return exchange(channel, messages);
    }

    /** Sends the messages on one stream, half-closes, and returns every answer (or the failure). */
    static List<DenoiseResponse> exchange(io.grpc.Channel channel, List<DenoiseRequest> messages) throws Exception {
        DenoiseCall call = DenoiseCall.open(UNetGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES));
        messages.forEach(call::send);
        call.halfClose();
        List<DenoiseResponse> answers = new ArrayList<>();
        for (DenoiseResponse r; (r = call.next(Duration.ofMinutes(10))) != null; ) answers.add(r);
        return answers;
    }

    @Test
    void stepsAreAnsweredInOrderWithTheEnginesGuidedNoise() throws Exception {
        List<DenoiseResponse> answers = exchange(List.of(DenoiseRequest.newBuilder().setStart(start()).build(),
                step(0, 999, 10), step(1, 899.5, 11)));
        assertEquals(3, answers.size());
        assertTrue(answers.get(0).hasReady());
        try (var local = model.get().open(embedding(1), embedding(2), 7.5, List.of())) {
            assertBitEqual(local.guidedNoise(0, 999, GaussianNoise.sample(10, LATENTS)), answers.get(1));
            assertBitEqual(local.guidedNoise(1, 899.5, GaussianNoise.sample(11, LATENTS)), answers.get(2));
        }
        assertEquals(1, answers.get(2).getResult().getStepIndex());
    }

    @Test
    void guidanceOffIsOneSamplePerStepAndTheConditionalPrediction() throws Exception {
        double samples = samples();
        // guidance 1, no unconditional embedding sent (the orchestrator sends none)
        List<DenoiseResponse> answers = exchange(List.of(startWith(b -> b.clearUnconditionalEmbedding().setGuidanceScale(1f)),
                step(0, 999, 10), step(1, 899, 11)));
        assertEquals(2, samples() - samples, "UNet samples for two guidance-off steps");
        try (var local = model.get().open(embedding(1), null, 1.0, List.of())) {
            assertBitEqual(local.guidedNoise(0, 999, GaussianNoise.sample(10, LATENTS)), answers.get(1));
            assertBitEqual(local.guidedNoise(1, 899, GaussianNoise.sample(11, LATENTS)), answers.get(2));
        }
        // the conditional prediction: guided with the prompt as its own negative, uncond + g (cond - uncond) = cond
        try (var guided = model.get().open(embedding(1), embedding(1), 7.5, List.of())) {
            float[] expected = guided.guidedNoise(0, 999, GaussianNoise.sample(10, LATENTS)).toFloatArray();
            float[] got = WireTensors.fromMessage(answers.get(1).getResult().getNoise(), "noise").toFloatArray();
            for (int i = 0; i < got.length; i++) assertEquals(expected[i], got[i], 1e-3 * (1 + Math.abs(expected[i])), "value " + i);
        }
    }

    /** refiners_unet_samples_total, 0 before the first step (the metrics are registered with the batcher). */
    double samples() throws Exception {
        return metrics().contains("refiners_unet_samples_total") ? metric("refiners_unet_samples_total") : 0;
    }

    @Test
    void concurrentStreamsShareUNetCallsAndEachGetsItsOwnNoise() throws Exception {
        // three generations (their own embeddings, guidance and timesteps) at once
        List<CompletableFuture<List<DenoiseResponse>>> streams = new ArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(3); // one per stream
        for (int g = 0; g < 3; g++) {
            int seed = 20 + 10 * g;
            DenoiseStart.Builder start = start().setConditionalEmbedding(WireTensors.toMessage(embedding(seed)))
                    .setUnconditionalEmbedding(WireTensors.toMessage(embedding(seed + 1))).setGuidanceScale(5f + g);
            int index = g;
            streams.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return exchange(List.of(DenoiseRequest.newBuilder().setStart(start).build(), step(0, 999 - 37 * index, seed + 2), step(1, 500.5 - 41 * index, seed + 3)));
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, callers));
        }
        int largest = 0;
        callers.shutdown();
        for (int g = 0; g < 3; g++) {
            int seed = 20 + 10 * g;
            List<DenoiseResponse> answers = streams.get(g).get(10, TimeUnit.MINUTES);
            try (var alone = model.get().open(embedding(seed), embedding(seed + 1), 5f + g, List.of())) {
                assertBitEqual(alone.guidedNoise(0, 999 - 37 * g, GaussianNoise.sample(seed + 2, LATENTS)), answers.get(1));
                assertBitEqual(alone.guidedNoise(1, 500.5 - 41 * g, GaussianNoise.sample(seed + 3, LATENTS)), answers.get(2));
            }
            for (DenoiseResponse r : answers.subList(1, 3)) largest = Math.max(largest, r.getResult().getBatchSize());
        }
        assertTrue(largest >= 2, "steps of concurrent streams were never batched");
        String metrics = metrics();
        for (String m : List.of("refiners_batch_size_count{stage=\"unet\"}", "refiners_batch_queue_seconds_count{stage=\"unet\"}",
                "refiners_unet_samples_total", "refiners_unet_samples_per_second", "refiners_unet_steps_per_second", "refiners_unet_batch_fill"))
            assertTrue(metrics.contains(m), m);
    }

    @Test
    void aGenerationResumesOnAnotherStreamFromItsNextStep() throws Exception {
        List<DenoiseResponse> first = exchange(List.of(DenoiseRequest.newBuilder().setStart(start()).build(), step(0, 999, 10), step(1, 899, 11)));
        List<DenoiseResponse> resumed = exchange(List.of(DenoiseRequest.newBuilder().setStart(start()).build(), step(1, 899, 11)));
        assertEquals(first.get(2).getResult().getNoise(), resumed.get(1).getResult().getNoise());
    }

    @Test
    void badMessagesAreRefusedNamingTheField() {
        assertStatus(Status.Code.FAILED_PRECONDITION, "step", List.of(step(0, 999, 1)));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start.latent_shape", List.of(startWith(b -> b.clearLatentShape().addLatentShape(4))));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start.latent_shape", List.of(startWith(b -> b.clearLatentShape()
                .addLatentShape(1).addLatentShape(4).addLatentShape(4096).addLatentShape(4096))));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start.conditional_embedding",
                List.of(startWith(b -> b.setConditionalEmbedding(WireTensors.toMessage(GaussianNoise.sample(1, 1, 77, 512))))));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start.guidance_scale", List.of(startWith(b -> b.setGuidanceScale(Float.NaN))));
        assertStatus(Status.Code.NOT_FOUND, "loras[0].name", List.of(startWith(b -> b.addLoras(LoraWeight.newBuilder().setName("nope").setScale(1)))));
        assertStatus(Status.Code.INVALID_ARGUMENT, "loras[0].name", List.of(startWith(b -> b.addLoras(LoraWeight.newBuilder().setName("../nope").setScale(1)))));
        // the orchestrator's rules for a LoRA set, checked before any file is looked for
        assertStatus(Status.Code.INVALID_ARGUMENT, "loras[0].scale", List.of(startWith(b -> b.addLoras(LoraWeight.newBuilder().setName("nope").setScale(11)))));
        assertStatus(Status.Code.INVALID_ARGUMENT, "loras[1].name",
                List.of(startWith(b -> b.addLoras(LoraWeight.newBuilder().setName("nope")).addLoras(LoraWeight.newBuilder().setName("nope")))));
        DenoiseRequest wrongLatents = DenoiseRequest.newBuilder().setStep(DenoiseStep.newBuilder().setStepIndex(0).setTimestep(999)
                .setLatents(WireTensors.toMessage(GaussianNoise.sample(1, 1, 4, 16, 16)))).build();
        assertStatus(Status.Code.INVALID_ARGUMENT, "step.latents", List.of(DenoiseRequest.newBuilder().setStart(start()).build(), wrongLatents));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start", List.of(DenoiseRequest.newBuilder().setStart(start()).build(), DenoiseRequest.newBuilder().setStart(start()).build()));
    }

    @Test
    void inpaintingAndControlnetsNeedTheirModels() {
        var mask = WireTensors.toMessage(GaussianNoise.sample(1, 1, 1, 8, 8));
        var target = WireTensors.toMessage(GaussianNoise.sample(2, LATENTS));
        // no inpainting UNet configured here: FAILED_PRECONDITION naming the request's mask
        assertStatus(Status.Code.FAILED_PRECONDITION, "mask", List.of(startWith(b -> b.setMaskLatents(mask).setTargetLatents(target))));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start.target_latents", List.of(startWith(b -> b.setMaskLatents(mask))));
        assertStatus(Status.Code.INVALID_ARGUMENT, "start.mask_latents",
                List.of(startWith(b -> b.setMaskLatents(WireTensors.toMessage(GaussianNoise.sample(1, 1, 1, 16, 16))).setTargetLatents(target))));
        var condition = WireTensors.toMessage(GaussianNoise.sample(3, 1, 3, 64, 64));
        assertStatus(Status.Code.NOT_FOUND, "controlnets[0].name",
                List.of(startWith(b -> b.addControlnets(DenoiseControlnet.newBuilder().setName("canny").setCondition(condition).setScale(1).setScaleDecay(1)))));
        assertStatus(Status.Code.INVALID_ARGUMENT, "controlnets[0].name",
                List.of(startWith(b -> b.addControlnets(DenoiseControlnet.newBuilder().setName("../canny").setCondition(condition).setScale(1).setScaleDecay(1)))));
    }

    @Test
    void aLoraFileThatCannotBeUsedIsRefusedNamedWithoutItsPath() throws Exception {
        BrokenLoras.write();
        BrokenLoras.assertRefused(assertThrows(StatusRuntimeException.class, () -> startWithLora("truncated")), "loras[0].name", "truncated");
        BrokenLoras.assertRefused(assertThrows(StatusRuntimeException.class, () -> loadLora("truncated")), "name", "truncated");
        // an SDXL LoRA where only SD 1.5 is served: the request's mistake
        BrokenLoras.assertForAnotherFamily(assertThrows(StatusRuntimeException.class, () -> startWithLora("sdxl")), "loras[0].name", "sdxl");
        BrokenLoras.assertForAnotherFamily(assertThrows(StatusRuntimeException.class, () -> loadLora("sdxl")), "name", "sdxl");
    }

    private void startWithLora(String name) throws Exception {
        exchange(List.of(startWith(b -> b.addLoras(LoraWeight.newBuilder().setName(name).setScale(1)))));
    }

    private void loadLora(String name) {
        UNetGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.MINUTES).loadLora(LoadLoraRequest.newBuilder().setName(name).build());
    }

    @Test
    void aControlnetFileThatCannotBeUsedIsFailedPreconditionNamedWithoutItsPath() throws Exception {
        Files.createDirectories(CONTROLNETS);
        Files.write(CONTROLNETS.resolve("corrupt.safetensors"), "not a safetensors file".getBytes(StandardCharsets.US_ASCII));
        BrokenLoras.write();
        Files.copy(BrokenLoras.DIR.resolve("sdxl.safetensors"), CONTROLNETS.resolve("a-lora.safetensors"), StandardCopyOption.REPLACE_EXISTING);
        var condition = WireTensors.toMessage(GaussianNoise.sample(3, 1, 3, 64, 64));
        for (String name : List.of("corrupt", "a-lora"))
            BrokenLoras.assertRefused(assertThrows(StatusRuntimeException.class, () -> exchange(List.of(startWith(b -> b.addControlnets(
                    DenoiseControlnet.newBuilder().setName(name).setCondition(condition).setScale(1).setScaleDecay(1)))))),
                    "controlnets[0].name", "ControlNet", name, CONTROLNETS);
    }

    static DenoiseRequest startWith(UnaryOperator<DenoiseStart.Builder> change) {
        return DenoiseRequest.newBuilder().setStart(change.apply(start())).build();
    }

    void assertStatus(Status.Code code, String field, List<DenoiseRequest> messages) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> exchange(messages), field);
        assertEquals(code, e.getStatus().getCode(), field + ": " + e.getStatus());
        assertTrue(e.getStatus().getDescription().startsWith(field + ": "), field + " -> " + e.getStatus().getDescription());
    }

    static void assertBitEqual(Tensor expected, DenoiseResponse answer) {
        Tensor got = WireTensors.fromMessage(answer.getResult().getNoise(), "noise");
        assertArrayEquals(expected.shape(), got.shape());
        byte[] a = new byte[(int) expected.byteSize()], b = new byte[(int) got.byteSize()];
        expected.data().get(a);
        got.data().get(b);
        assertArrayEquals(a, b);
    }
}

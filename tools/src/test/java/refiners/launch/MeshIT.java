package refiners.launch;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import com.google.protobuf.ByteString;
import io.restassured.response.Response;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import refiners.fluxion.Tensor;
import refiners.foundationals.latent_diffusion.GaussianNoise;
import refiners.fluxion.utils.Images;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.GenerationRequest;
import refiners.mesh.GenerateRequests;
import refiners.proto.common.v1.LoraWeight;
import refiners.proto.orchestrator.v1.ControlnetRequest;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;
import refiners.proto.unet.v1.ListLorasRequest;
import refiners.proto.unet.v1.LoadLoraRequest;
import refiners.proto.unet.v1.LoraInfo;
import refiners.proto.unet.v1.UNetGrpc;
import refiners.proto.unet.v1.UnloadLoraRequest;

/**
 * The mesh end to end, on the shared mesh (SharedMesh): the four packaged services as separate processes on loopback
 * (full-size detinit weights, small latents; two unet-svc replicas with a detinit inpainting UNet and a detinit
 * ControlNet), against the same generation in this JVM (InProcessPeer). The orchestrator's small limits (SharedMesh)
 * let RESOURCE_EXHAUSTED be provoked. The stage-down case stops vae-svc, so it runs last, and this class runs last on
 * the shared mesh (SharedMesh.ORDER_LAST).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Order(SharedMesh.ORDER_LAST)
class MeshIT {
    static final Duration CALL = Duration.ofMinutes(5);

    MeshProcesses mesh;
    ManagedChannel orchestratorChannel;
    ManagedChannel unetChannel;

    /** A 64x64 picture (noise), a mask (a white rectangle), and an image past the pixel budget (2048x1024, a few KB). */
    static final ByteString INIT = ByteString.copyFrom(Images.toPng(GaussianNoise.sample(77, 1, 3, 64, 64)));
    static final ByteString MASK = ByteString.copyFrom(rectangle(64, 64, 16, 48, 20, 52));
    static final ByteString SMALL = ByteString.copyFrom(rectangle(32, 32, 0, 0, 0, 0));
    static final ByteString BIG = ByteString.copyFrom(rectangle(2048, 1024, 0, 0, 0, 0));

    @BeforeAll
    void startMesh() throws Exception {
        mesh = SharedMesh.get().mesh;
        orchestratorChannel = channel(MeshService.ORCHESTRATOR);
        unetChannel = channel(MeshService.UNET);
    }

    /** A small refiners-format LoRA touching one UNet and one text encoder layer (rank 4, detinit values). */
    static Map<String, Tensor> styleLora() {
        Map<String, Tensor> t = new java.util.LinkedHashMap<>();
        Map<String, long[][]> layers = Map.of(
                "unet.DownBlocks.Chain_2.CLIPLCrossAttention.Chain_2.CrossAttentionBlock.Residual_1.SelfAttention.Distribute.Linear_1", new long[][] {{4, 320}, {320, 4}},
                "text_encoder.TransformerLayer_4.Residual_1.SelfAttention.Distribute.Linear_3", new long[][] {{4, 768}, {768, 4}});
        for (var l : new java.util.TreeMap<>(layers).entrySet()) {
            t.put(l.getKey() + ".down.weight", refiners.fluxion.DetInit.tensor("down:" + l.getKey(), l.getValue()[0], 9));
            t.put(l.getKey() + ".up.weight", refiners.fluxion.DetInit.tensor("up:" + l.getKey(), l.getValue()[1], 9));
            t.put(l.getKey() + ".alpha", Tensor.ofFloats(new long[0], 4f));
        }
        return t;
    }

    /** A black w x h PNG with a white rectangle [y0, y1) x [x0, x1). */
    static byte[] rectangle(int w, int h, int y0, int y1, int x0, int x1) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) img.setRGB(x, y, 0xffffff);
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static ControlnetRequest.Builder edges(double scale) {
        return ControlnetRequest.newBuilder().setName("edges").setImage(INIT).setScale(scale).setScaleDecay(0.825).setPreprocess("canny");
    }

    private ManagedChannel channel(MeshService s) {
        return ManagedChannelBuilder.forTarget(mesh.address(s)).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    @AfterAll
    void stopMesh() {
        if (orchestratorChannel != null) orchestratorChannel.shutdownNow();
        if (unetChannel != null) unetChannel.shutdownNow();
    }

    private OrchestratorGrpc.OrchestratorBlockingStub orchestrator() {
        return OrchestratorGrpc.newBlockingStub(orchestratorChannel).withDeadlineAfter(CALL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static GenerateRequest.Builder small(String solver) {
        return GenerateRequest.newBuilder().setPrompt("a lighthouse on a cliff at sunset").setNegativePrompt("blurry")
                .setSteps(3).setGuidanceScale(7.5f).setSolver(solver).setWidth(64).setHeight(64).setSeed(1234);
    }

    /** The same request as the in-process pipeline sees it (the wire's float guidance included). */
    private static GenerationRequest asGenerationRequest(GenerateRequest r) {
        return GenerateRequests.toGenerationRequest(r, Long.MAX_VALUE);
    }

    private List<GenerateEvent> generate(GenerateRequest request) {
        List<GenerateEvent> events = new ArrayList<>();
        orchestrator().generate(request).forEachRemaining(events::add);
        return events;
    }

    private static int[] inProcessPixels(GenerateRequest request) {
        return InProcessPeer.pixels(request);
    }

    static int[] pixels(byte[] png) {
        try {
            var image = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
            return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @Order(1)
    void grpcGenerationStreamsProgressThenAnImageBitIdenticalToInProcess() {
        for (String solver : List.of("dpm", "ddim", "euler")) {
            GenerateRequest request = small(solver).setPreviewEvery(2).build();
            List<GenerateEvent> events = generate(request);
            assertEquals(4, events.size(), solver + ": 3 progress events then the result");
            for (int i = 0; i < 3; i++) {
                assertEquals(i + 1, events.get(i).getProgress().getStep(), solver);
                assertEquals(3, events.get(i).getProgress().getTotalSteps(), solver);
                assertEquals(i == 1, !events.get(i).getProgress().getPreviewPng().isEmpty(), solver + ": a preview every 2 steps");
            }
            assertEquals(8, pixels(events.get(1).getProgress().getPreviewPng().toByteArray()).length / 8, "an 8x8 latent preview");
            Result result = events.get(3).getResult();
            assertEquals(64, result.getWidth());
            assertEquals(64, result.getHeight());
            assertEquals(1234, result.getSeed());
            assertTrue(result.getTimings().getTotalSeconds() > 0);
            assertTrue(result.getTimings().getUnetSeconds() > 0);
            assertArrayEquals(inProcessPixels(request), pixels(result.getPng().toByteArray()), solver + ": mesh and in-process pixels differ");
        }
    }

    @Test
    @Order(1)
    void fewStepAndStochasticSolversAreBitIdenticalToInProcess() {
        // LCM, guidance off: 4 steps of one UNet sample each, re-noised from the seed's per-step noise
        GenerateRequest lcm = small("lcm").setSteps(4).setGuidanceScale(1).build();
        double samples = unetMetric("refiners_unet_samples_total");
        int[] meshed = pixels(result(generate(lcm)).getPng().toByteArray());
        assertEquals(4, unetMetric("refiners_unet_samples_total") - samples, "one UNet sample per guidance-off step");
        int[] local = inProcessPixels(lcm);
        assertArrayEquals(local, meshed, "lcm: mesh and in-process pixels differ");
        assertArrayEquals(local, inProcessPixels(lcm), "lcm: the same seed gives the same pixels");
        assertFalse(java.util.Arrays.equals(local, inProcessPixels(lcm.toBuilder().setSeed(1235).build())), "lcm: another seed, other pixels");
        // the LCM recipe: an LCM-LoRA in the published layout (3x3 convolutions too) at scale 1, and a style LoRA
        GenerateRequest recipe = lcm.toBuilder().addLoras(LoraWeight.newBuilder().setName("lcm").setScale(1f))
                .addLoras(LoraWeight.newBuilder().setName("style").setScale(0.8f)).build();
        int[] withLoras = pixels(result(generate(recipe)).getPng().toByteArray());
        assertArrayEquals(inProcessPixels(recipe), withLoras, "lcm with the LCM-LoRA: mesh and in-process pixels differ");
        assertFalse(java.util.Arrays.equals(local, withLoras), "the LCM-LoRA changed nothing");
        // DPM-Solver++ SDE with Karras sigmas, guided: fresh noise every step
        GenerateRequest sde = small("dpm").setSdeVariance(1).setSigmaSchedule("karras").setLastStepFirstOrder(true).build();
        assertArrayEquals(inProcessPixels(sde), pixels(result(generate(sde)).getPng().toByteArray()), "dpm sde: mesh and in-process pixels differ");
    }

    private static Result result(List<GenerateEvent> events) {
        return events.get(events.size() - 1).getResult();
    }

    @Test
    @Order(2)
    void restGenerationReturnsThePngOfTheSameGeneration() {
        Response response = given().baseUri(mesh.httpUrl(MeshService.ORCHESTRATOR)).contentType("application/json")
                .body(Map.of("prompt", "a lighthouse on a cliff at sunset", "negative_prompt", "blurry", "steps", 3,
                        "guidance_scale", 7.5, "solver", "euler", "width", 64, "height", 64, "seed", 1234))
                .post("/v1/images");
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals("image/png", response.contentType());
        assertEquals("1234", response.header("X-Seed"));
        assertTrue(response.header("Server-Timing").contains("unet;dur="), response.header("Server-Timing"));
        assertArrayEquals(inProcessPixels(small("euler").build()), pixels(response.asByteArray()));
    }

    @Test
    @Order(3)
    void badInputIsInvalidArgumentNamingTheField() {
        Map<String, UnaryOperator<GenerateRequest.Builder>> cases = new java.util.LinkedHashMap<>();
        cases.put("steps", b -> b.setSteps(0));
        cases.put("steps ", b -> b.setSteps(151));
        cases.put("width", b -> b.setWidth(100));
        cases.put("height", b -> b.setHeight(4096));
        cases.put("width ", b -> b.setWidth(2048).setHeight(2048)); // over the pixel budget
        cases.put("guidance_scale", b -> b.setGuidanceScale(Float.NaN));
        cases.put("guidance_scale ", b -> b.setGuidanceScale(Float.POSITIVE_INFINITY));
        cases.put("solver", b -> b.setSolver("heun"));
        cases.put("loras[0].name", b -> b.addLoras(LoraWeight.newBuilder().setName("").setScale(1)));
        cases.put("loras[0].scale", b -> b.addLoras(LoraWeight.newBuilder().setName("style").setScale(Float.NaN)));
        cases.put("preview_every", b -> b.setPreviewEvery(-1));
        for (var c : cases.entrySet()) {
            String field = c.getKey().trim();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generate(c.getValue().apply(small("dpm")).build()), field);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), field);
            assertTrue(e.getStatus().getDescription().startsWith(field + ": "), field + " -> " + e.getStatus().getDescription());
        }
        // a LoRA name reaching outside the directory is refused, naming the field
        StatusRuntimeException traversal = assertThrows(StatusRuntimeException.class,
                () -> generate(small("dpm").addLoras(LoraWeight.newBuilder().setName("../style").setScale(1)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, traversal.getStatus().getCode());
        assertTrue(traversal.getStatus().getDescription().contains("loras[0].name"), traversal.getStatus().getDescription());

        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> generate(small("dpm").addLoras(LoraWeight.newBuilder().setName("no-such-lora").setScale(1)).build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        assertTrue(unknown.getStatus().getDescription().contains("no-such-lora"), unknown.getStatus().getDescription());

        // REST: the same errors as JSON
        given().baseUri(mesh.httpUrl(MeshService.ORCHESTRATOR)).contentType("application/json").body(Map.of("steps", 0)).post("/v1/images")
                .then().statusCode(400).contentType("application/json")
                .body("code", org.hamcrest.Matchers.equalTo("INVALID_ARGUMENT")).body("field", org.hamcrest.Matchers.equalTo("steps"));
        given().baseUri(mesh.httpUrl(MeshService.ORCHESTRATOR)).contentType("application/json").body(Map.of("width", 65)).post("/v1/images")
                .then().statusCode(400).body("field", org.hamcrest.Matchers.equalTo("width"));
        given().baseUri(mesh.httpUrl(MeshService.ORCHESTRATOR)).contentType("application/json").body("{\"steps\": ").post("/v1/images")
                .then().statusCode(400).body("code", org.hamcrest.Matchers.equalTo("INVALID_ARGUMENT"));
        // a field of the wrong type: the same JSON body (code, field, message), naming the field
        given().baseUri(mesh.httpUrl(MeshService.ORCHESTRATOR)).contentType("application/json").body("{\"steps\": \"many\"}").post("/v1/images")
                .then().statusCode(400).contentType("application/json").body("code", org.hamcrest.Matchers.equalTo("INVALID_ARGUMENT"))
                .body("field", org.hamcrest.Matchers.equalTo("steps")).body("message", org.hamcrest.Matchers.startsWith("steps: expected an integer"));
        given().baseUri(mesh.httpUrl(MeshService.ORCHESTRATOR)).contentType("application/json").body("{\"loras\": [{\"name\": \"x\", \"scale\": \"big\"}]}")
                .post("/v1/images").then().statusCode(400).body("field", org.hamcrest.Matchers.equalTo("loras[0].scale"));
        given().baseUri(mesh.httpUrl(MeshService.ORCHESTRATOR)).contentType("application/json")
                .body(Map.of("steps", 2, "width", 64, "height", 64, "loras", List.of(Map.of("name", "no-such-lora"))))
                .post("/v1/images")
                .then().statusCode(404).body("code", org.hamcrest.Matchers.equalTo("NOT_FOUND"))
                .body("field", org.hamcrest.Matchers.equalTo("loras[0].name"));
    }

    @Test
    @Order(4)
    void lorasAreManagedByNameInsideTheirDirectory() {
        var unet = UNetGrpc.newBlockingStub(unetChannel).withDeadlineAfter(1, TimeUnit.MINUTES);
        // earlier tests on the shared mesh may have loaded LoRAs on this replica
        for (LoraInfo l : unet.listLoras(ListLorasRequest.getDefaultInstance()).getLorasList())
            if (l.getLoaded()) unet.unloadLora(UnloadLoraRequest.newBuilder().setName(l.getName()).build());
        List<LoraInfo> listed = unet.listLoras(ListLorasRequest.getDefaultInstance()).getLorasList();
        assertEquals(List.of("lcm", "style"), listed.stream().map(LoraInfo::getName).sorted().toList());
        assertFalse(listed.stream().anyMatch(LoraInfo::getLoaded));
        LoraInfo loaded = unet.loadLora(LoadLoraRequest.newBuilder().setName("style").build());
        assertTrue(loaded.getLoaded());
        assertEquals(4, loaded.getRank());
        assertEquals(1, loaded.getUnetLayers());
        assertEquals(1, loaded.getTextEncoderLayers());
        assertEquals(List.of("style"), unet.listLoras(ListLorasRequest.getDefaultInstance()).getLorasList().stream().filter(LoraInfo::getLoaded)
                .map(LoraInfo::getName).toList());
        for (String bad : List.of("../style", "sub/style", "/etc/passwd", "..", "a\\b")) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> unet.loadLora(LoadLoraRequest.newBuilder().setName(bad).build()), bad);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad);
            assertTrue(e.getStatus().getDescription().startsWith("name: "), e.getStatus().getDescription());
        }
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                () -> unet.loadLora(LoadLoraRequest.newBuilder().setName("missing").build())).getStatus().getCode());
        unet.unloadLora(UnloadLoraRequest.newBuilder().setName("style").build());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                () -> unet.unloadLora(UnloadLoraRequest.newBuilder().setName("style").build())).getStatus().getCode());
        // a generation with a LoRA from the directory (loaded on first use) matches the in-process one, and differs without it
        GenerateRequest withLora = small("dpm").addLoras(LoraWeight.newBuilder().setName("style").setScale(0.8f)).build();
        List<GenerateEvent> events = generate(withLora);
        int[] meshPixels = pixels(events.get(events.size() - 1).getResult().getPng().toByteArray());
        assertArrayEquals(inProcessPixels(withLora), meshPixels, "with a LoRA: mesh and in-process pixels differ");
        assertFalse(java.util.Arrays.equals(inProcessPixels(small("dpm").build()), meshPixels), "the LoRA changed nothing");
    }

    @Test
    @Order(5)
    void cancellingTheCallerStopsTheUNetWithinAStep() throws Exception {
        double before = unetMetric("refiners_unet_steps_total");
        GenerateRequest request = small("ddim").setSteps(150).build();
        Context.CancellableContext context = Context.current().withCancellation();
        Iterator<GenerateEvent> events = context.call(() -> orchestrator().generate(request));
        int seen = events.next().getProgress().getStep();
        assertEquals(1, seen);
        context.cancel(null);
        awaitUnetMetric("refiners_unet_inflight_streams", 0);
        awaitUnetMetric("ft_bulkhead_executionsRunning{method=\"refiners.mesh.ModelWork.run\"}", 0);
        awaitMetric(MeshService.ORCHESTRATOR, "refiners_generations_inflight", 0);
        double settled = unetMetric("refiners_unet_steps_total");
        // the step seen, at most the one running when the cancellation arrived, and nothing after
        assertTrue(settled - before <= seen + 1, "steps after the cancellation: " + (settled - before - seen));
        Thread.sleep(1000);
        assertEquals(settled, unetMetric("refiners_unet_steps_total"), "the UNet went on after the cancellation");
    }

    @Test
    @Order(6)
    void pastTheQueueLimitTheOrchestratorAnswersResourceExhausted() throws Exception {
        // as many generations run as the orchestrator allows, as many wait in its queue, the next is refused
        GenerateRequest longRequest = small("ddim").setSteps(150).build();
        Context.CancellableContext context = Context.current().withCancellation();
        try {
            for (int i = 0; i < SharedMesh.MAX_CONCURRENT; i++) {
                Iterator<GenerateEvent> running = context.call(() -> orchestrator().generate(longRequest));
                assertTrue(running.next().hasProgress());
            }
            List<CompletableFuture<Boolean>> queued = new ArrayList<>();
            for (int i = 0; i < SharedMesh.QUEUE_LIMIT; i++)
                queued.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return context.call(() -> orchestrator().generate(longRequest).hasNext());
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }));
            awaitMetric(MeshService.ORCHESTRATOR, "ft_bulkhead_executionsWaiting{method=\"refiners.mesh.ModelWork.run\"}", SharedMesh.QUEUE_LIMIT);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generate(small("dpm").build()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().startsWith("orchestrator is busy"), e.getStatus().getDescription());
            given().baseUri(mesh.httpUrl(MeshService.ORCHESTRATOR)).contentType("application/json")
                    .body(Map.of("steps", 2, "width", 64, "height", 64)).post("/v1/images")
                    .then().statusCode(429).body("code", org.hamcrest.Matchers.equalTo("RESOURCE_EXHAUSTED"));
            for (CompletableFuture<Boolean> q : queued)
                assertFalse(q.isDone() && !q.isCompletedExceptionally() && !q.get(), "a queued generation was refused");
        } finally {
            context.cancel(null);
        }
        awaitMetric(MeshService.ORCHESTRATOR, "refiners_generations_inflight", 0);
        awaitMetric(MeshService.ORCHESTRATOR, "ft_bulkhead_executionsWaiting{method=\"refiners.mesh.ModelWork.run\"}", 0);
        awaitUnetMetric("refiners_unet_inflight_streams", 0);
    }

    @Test
    @Order(7)
    void theCallersDeadlineEndsTheGenerationEverywhere() throws Exception {
        GenerateRequest request = small("euler").setSteps(150).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> {
            Iterator<GenerateEvent> events = OrchestratorGrpc.newBlockingStub(orchestratorChannel).withDeadlineAfter(2, TimeUnit.SECONDS).generate(request);
            while (events.hasNext()) events.next();
        });
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode(), e.getStatus().toString());
        awaitUnetMetric("refiners_unet_inflight_streams", 0);
        awaitMetric(MeshService.ORCHESTRATOR, "refiners_generations_inflight", 0);
    }

    @Test
    @Order(8)
    void metricsHealthAndReflectionAreServed() throws Exception {
        for (MeshService s : MeshService.values()) {
            given().baseUri(mesh.httpUrl(s)).get("/q/health/ready").then().statusCode(200);
            given().baseUri(mesh.httpUrl(s)).get("/q/health/live").then().statusCode(200);
        }
        for (String stage : List.of("text-encoder", "unet", "solver", "vae", "total"))
            assertTrue(metric(MeshService.ORCHESTRATOR, "refiners_generation_stage_seconds_count{stage=\"" + stage + "\"}") >= 3, stage);
        assertTrue(metric(MeshService.TEXT_ENCODER, "refiners_stage_seconds_count{stage=\"text-encoder\"}") >= 1);
        // each generation's two prompts, from CLIP or from its cache: the negative prompts repeat, so some came from the cache
        double hits = metric(MeshService.TEXT_ENCODER, "refiners_prompt_cache_total{result=\"hit\"}");
        assertTrue(hits >= 1 && hits + metric(MeshService.TEXT_ENCODER, "refiners_prompt_cache_total{result=\"miss\"}") >= 6, "hits " + hits);
        assertTrue(unetMetric("refiners_stage_seconds_count{stage=\"unet\"}") >= 9);
        assertTrue(unetMetric("refiners_unet_steps_total") >= 9);
        // every step's transport (round trip minus unet-svc's call and queue wait), as the orchestrator saw it
        assertTrue(metric(MeshService.ORCHESTRATOR, "refiners_unet_step_transport_seconds_count") >= 9);
        assertTrue(metric(MeshService.ORCHESTRATOR, "refiners_unet_step_transport_seconds_sum") > 0);
        assertTrue(unetMetric("refiners_unet_steps_per_second") > 0);
        assertEquals(0, unetMetric("refiners_unet_inflight_streams"));
        assertEquals(0, unetMetric("ft_bulkhead_executionsWaiting{method=\"refiners.mesh.ModelWork.run\"}"));
        assertTrue(metric(MeshService.VAE, "refiners_stage_seconds_count{stage=\"vae-decode\"}") >= 3);
        assertTrue(java.util.stream.IntStream.rangeClosed(1, SharedMesh.UNET_REPLICAS)
                .anyMatch(r -> Metrics.scrape(mesh.httpUrl(MeshService.UNET, r)).contains("refiners_stage_seconds_bucket{stage=\"unet\"")), "a latency histogram");

        Map<MeshService, String> services = Map.of(MeshService.TEXT_ENCODER, "refiners.textencoder.v1.TextEncoder",
                MeshService.UNET, "refiners.unet.v1.UNet", MeshService.VAE, "refiners.vae.v1.Autoencoder",
                MeshService.ORCHESTRATOR, "refiners.orchestrator.v1.Orchestrator");
        for (var e : services.entrySet()) assertTrue(reflectedServices(e.getKey()).contains(e.getValue()), e.toString());
    }

    @Test
    @Order(9)
    void imageToImageInpaintingAndControlnetsGiveTheInProcessPixels() {
        Map<String, GenerateRequest> requests = new java.util.LinkedHashMap<>();
        requests.put("image to image", small("dpm").setInitImage(INIT).setStrength(0.6).build());  // 3 steps from step 1
        requests.put("inpainting", small("ddim").setInitImage(INIT).setMask(MASK).build());
        requests.put("ControlNet on Canny edges", small("euler").addControlnets(edges(0.8)).build());
        for (var r : requests.entrySet()) {
            List<GenerateEvent> events = generate(r.getValue());
            int steps = asGenerationRequest(r.getValue()).steps() - asGenerationRequest(r.getValue()).firstStep();
            assertEquals(steps + 1, events.size(), r.getKey() + ": a progress event per step run, then the result");
            int[] meshPixels = pixels(events.get(steps).getResult().getPng().toByteArray());
            assertArrayEquals(inProcessPixels(r.getValue()), meshPixels, r.getKey() + ": mesh and in-process pixels differ");
            if (r.getKey().startsWith("ControlNet"))
                assertFalse(java.util.Arrays.equals(inProcessPixels(small("euler").build()), meshPixels), "the ControlNet changed nothing");
        }
    }

    @Test
    @Order(10)
    void badImagesStrengthsAndControlnetsAreRefusedNamingTheField() {
        Map<String, UnaryOperator<GenerateRequest.Builder>> cases = new java.util.LinkedHashMap<>();
        cases.put("init_image", b -> b.setInitImage(ByteString.copyFromUtf8("not an image")));
        cases.put("init_image ", b -> b.setInitImage(INIT).setWidth(128));
        cases.put("init_image  ", b -> b.setInitImage(BIG)); // past the pixel budget: refused from its header
        cases.put("mask", b -> b.setInitImage(INIT).setMask(SMALL));
        cases.put("mask ", b -> b.setMask(MASK));
        cases.put("strength", b -> b.setInitImage(INIT).setStrength(0));
        cases.put("strength ", b -> b.setInitImage(INIT).setStrength(1.5));
        cases.put("strength  ", b -> b.setStrength(0.5));
        cases.put("controlnets[0].name", b -> b.addControlnets(edges(1).setName("../edges")));
        cases.put("controlnets[1].name", b -> b.addControlnets(edges(1)).addControlnets(edges(1)));
        cases.put("controlnets[0].image", b -> b.addControlnets(edges(1).clearImage()));
        cases.put("controlnets[0].image ", b -> b.addControlnets(edges(1).setImage(SMALL)));
        cases.put("controlnets[0].scale", b -> b.addControlnets(edges(Double.NaN)));
        cases.put("controlnets[0].preprocess", b -> b.addControlnets(edges(1).setPreprocess("depth")));
        for (var c : cases.entrySet()) {
            String field = c.getKey().trim();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generate(c.getValue().apply(small("dpm")).build()), field);
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), field);
            assertTrue(e.getStatus().getDescription().startsWith(field + ": "), field + " -> " + e.getStatus().getDescription());
        }
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> generate(small("dpm").addControlnets(edges(1).setName("no-such-controlnet")).build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        assertTrue(unknown.getStatus().getDescription().contains("controlnets[0].name") && unknown.getStatus().getDescription().contains("no-such-controlnet"),
                unknown.getStatus().getDescription());
        // REST: images are base64; the same errors as JSON
        given().baseUri(mesh.httpUrl(MeshService.ORCHESTRATOR)).contentType("application/json").body(Map.of("init_image", "not base64!"))
                .post("/v1/images").then().statusCode(400).body("field", org.hamcrest.Matchers.equalTo("init_image"));
        given().baseUri(mesh.httpUrl(MeshService.ORCHESTRATOR)).contentType("application/json")
                .body(Map.of("init_image", java.util.Base64.getEncoder().encodeToString(INIT.toByteArray()), "strength", 2))
                .post("/v1/images").then().statusCode(400).body("field", org.hamcrest.Matchers.equalTo("strength"));
    }

    @Test
    @Order(50)
    void aGenerationResumesWhenItsUNetReplicaGoesAwayAndGivesTheSamePixels() throws Exception {
        // inpainting with a ControlNet: the Start a new replica gets carries the mask, the target and the condition
        GenerateRequest request = small("dpm").setSteps(5).setInitImage(INIT).setMask(MASK).addControlnets(edges(0.7)).build();
        double resumesBefore = metric(MeshService.ORCHESTRATOR, "refiners_unet_resumes_total");
        Iterator<GenerateEvent> events = orchestrator().generate(request);
        assertEquals(1, events.next().getProgress().getStep());
        int holding = metric(mesh.httpUrl(MeshService.UNET, 1), "refiners_unet_inflight_streams") > 0 ? 1 : 2;
        mesh.stop(MeshService.UNET, holding); // the step in flight breaks; the other replica takes the generation over
        Result result = null;
        int lastStep = 1;
        while (events.hasNext()) {
            GenerateEvent e = events.next();
            if (e.hasProgress()) lastStep = e.getProgress().getStep();
            else result = e.getResult();
        }
        assertEquals(5, lastStep);
        assertNotNull(result);
        assertArrayEquals(inProcessPixels(request), pixels(result.getPng().toByteArray()), "a resumed generation differs from in process");
        assertTrue(metric(MeshService.ORCHESTRATOR, "refiners_unet_resumes_total") > resumesBefore, "no resume was counted");
    }

    @Test
    @Order(9)
    void aServiceWithoutWeightsRefusesToStartSayingHowToChoose() throws Exception {
        Path log = Files.createTempFile("vae-no-weights", ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-jar",
                mesh.jar(MeshService.VAE).toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("REFINERS_WEIGHTS");
        pb.environment().put("VAE_PORT", "0");
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(2, TimeUnit.MINUTES), "vae-svc kept running without weights");
            assertTrue(p.exitValue() != 0, "exit code " + p.exitValue());
            String out = Files.readString(log);
            assertTrue(out.contains("no model weights configured") && out.contains("REFINERS_WEIGHTS") && out.contains("detinit"), out);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    @Order(100)
    void aStageThatIsDownIsUnavailableNamingIt() throws Exception {
        mesh.stop(MeshService.VAE);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> generate(small("dpm").build()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().startsWith("vae-svc unavailable at 127.0.0.1:" + mesh.port(MeshService.VAE)), e.getStatus().getDescription());
        given().baseUri(mesh.httpUrl(MeshService.ORCHESTRATOR)).contentType("application/json")
                .body(Map.of("steps", 2, "width", 64, "height", 64)).post("/v1/images")
                .then().statusCode(503).body("code", org.hamcrest.Matchers.equalTo("UNAVAILABLE"))
                .body("message", org.hamcrest.Matchers.startsWith("vae-svc unavailable at"));
    }

    private List<String> reflectedServices(MeshService s) throws Exception {
        ManagedChannel channel = channel(s);
        try {
            CompletableFuture<List<String>> names = new CompletableFuture<>();
            StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(new StreamObserver<>() {
                @Override
                public void onNext(ServerReflectionResponse r) {
                    names.complete(r.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList());
                }

                @Override
                public void onError(Throwable t) {
                    names.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {}
            });
            requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
            List<String> result = names.get(30, TimeUnit.SECONDS);
            requests.onCompleted();
            return result;
        } finally {
            channel.shutdownNow();
        }
    }

    private String scrape(MeshService s) {
        return Metrics.scrape(mesh.httpUrl(s));
    }

    private double metric(MeshService s, String sample) {
        return Metrics.value(scrape(s), sample);
    }

    private static double metric(String url, String sample) {
        return Metrics.value(Metrics.scrape(url), sample);
    }

    /** A unet-svc sample summed over the replicas (a generation runs on either). */
    private double unetMetric(String sample) {
        double sum = 0;
        for (int r = 1; r <= SharedMesh.UNET_REPLICAS; r++) sum += metric(mesh.httpUrl(MeshService.UNET, r), sample);
        return sum;
    }

    private void awaitUnetMetric(String sample, double expected) throws InterruptedException {
        for (int r = 1; r <= SharedMesh.UNET_REPLICAS; r++) Metrics.await(mesh.httpUrl(MeshService.UNET, r), sample, expected);
    }

    private void awaitMetric(MeshService s, String sample, double expected) throws InterruptedException {
        Metrics.await(mesh.httpUrl(s), sample, expected);
    }
}

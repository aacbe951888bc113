package refiners.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import refiners.proto.orchestrator.v1.GenerateEvent;
import refiners.proto.orchestrator.v1.GenerateRequest;
import refiners.proto.orchestrator.v1.ListControlnetsRequest;
import refiners.proto.orchestrator.v1.ListLorasRequest;
import refiners.proto.orchestrator.v1.ListModelsRequest;
import refiners.proto.orchestrator.v1.ListSolversRequest;
import refiners.proto.orchestrator.v1.Lora;
import refiners.proto.orchestrator.v1.Model;
import refiners.proto.orchestrator.v1.OrchestratorGrpc;
import refiners.proto.orchestrator.v1.Result;

/**
 * The public API's listings, num_images, the REST event stream and the A1111 and OpenAI routes, on the shared mesh (detinit weights, a LoRA
 * directory holding "style", the detinit inpainting UNet, a ControlNet directory holding "edges").
 */
@Order(SharedMesh.ORDER)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublicApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private MeshProcesses mesh;
    private ManagedChannel channel;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void startMesh() throws Exception {
        mesh = SharedMesh.get().mesh;
        channel = ManagedChannelBuilder.forTarget(mesh.address(MeshService.ORCHESTRATOR)).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    @AfterAll
    void close() {
        if (channel != null) channel.shutdownNow();
    }

    private OrchestratorGrpc.OrchestratorBlockingStub orchestrator() {
        return OrchestratorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.MINUTES);
    }

    private static GenerateRequest.Builder small(long seed) {
        return GenerateRequest.newBuilder().setPrompt("a lighthouse").setSteps(3).setWidth(64).setHeight(64).setSeed(seed);
    }

    @Test
    void theListingsAnswerWhatTheStagesServe() throws Exception {
        List<Model> models = orchestrator().listModels(ListModelsRequest.getDefaultInstance()).getModelsList();
        assertEquals(1, models.size());
        assertEquals("detinit", models.get(0).getName());
        assertTrue(models.get(0).getTextToImage());
        assertTrue(models.get(0).getInpainting(), "the shared mesh serves the detinit inpainting UNet");
        assertTrue(orchestrator().listLoras(ListLorasRequest.getDefaultInstance()).getLorasList().stream().map(Lora::getName).toList().contains("style"));
        assertEquals(List.of("edges"), orchestrator().listControlnets(ListControlnetsRequest.getDefaultInstance()).getControlnetsList().stream()
                .map(c -> c.getName()).toList());
        assertEquals(4, orchestrator().listSolvers(ListSolversRequest.getDefaultInstance()).getSolversCount());
        assertTrue(get("/v1/loras").contains("\"name\":\"style\""));
        assertEquals("detinit", JSON.readTree(get("/v1/models")).path("models").path(0).path("name").asText());
    }

    @Test
    void imageIOfNumImagesIsTheSingleImageOfSeedPlusI() throws Exception {
        int n = 3;
        Map<Integer, Result> results = new HashMap<>();
        Map<Integer, Integer> steps = new HashMap<>();
        orchestrator().generate(small(40).setNumImages(n).build()).forEachRemaining(e -> {
            if (e.hasProgress()) steps.merge(e.getProgress().getImageIndex(), 1, Integer::sum);
            else results.put(e.getResult().getImageIndex(), e.getResult());
        });
        assertEquals(Map.of(0, 3, 1, 3, 2, 3), steps, "three steps of each image");
        for (int i = 0; i < n; i++) {
            assertEquals(40 + i, results.get(i).getSeed());
            Result alone = single(small(40 + i).build());
            assertArrayEquals(MeshIT.pixels(alone.getPng().toByteArray()), MeshIT.pixels(results.get(i).getPng().toByteArray()), "image " + i);
        }
        // REST: the images as JSON, in image order
        JsonNode images = JSON.readTree(post("{\"prompt\": \"a lighthouse\", \"steps\": 3, \"width\": 64, \"height\": 64, \"seed\": 40, \"num_images\": 2}",
                "application/json")).path("images");
        assertEquals(2, images.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(40 + i, images.path(i).path("seed").asLong());
            assertArrayEquals(MeshIT.pixels(results.get(i).getPng().toByteArray()), MeshIT.pixels(Base64.getDecoder().decode(images.path(i).path("png").asText())));
        }
    }

    private Result single(GenerateRequest request) {
        Result result = null;
        for (var it = orchestrator().generate(request); it.hasNext(); ) {
            GenerateEvent e = it.next();
            if (e.hasResult()) result = e.getResult();
        }
        return result;
    }

    @Test
    void theEventStreamCarriesStepsWithPreviewsThenTheImage() throws Exception {
        List<String[]> events = new ArrayList<>();
        try (BufferedReader r = stream("{\"prompt\": \"a lighthouse\", \"steps\": 3, \"width\": 64, \"height\": 64, \"seed\": 40, \"preview_every\": 2}")) {
            String name = null;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("event:")) name = line.substring(6).trim();
                else if (line.startsWith("data:")) events.add(new String[] {name, line.substring(5).trim()});
            }
        }
        assertEquals(List.of("progress", "progress", "progress", "result"), events.stream().map(e -> e[0]).toList());
        for (int i = 0; i < 3; i++) {
            JsonNode p = JSON.readTree(events.get(i)[1]);
            assertEquals(i + 1, p.path("step").asInt());
            assertEquals((i + 1) % 2 == 0, p.has("preview_png"), "a preview every 2 steps");
        }
        JsonNode result = JSON.readTree(events.get(3)[1]);
        assertArrayEquals(MeshIT.pixels(single(small(40).build()).getPng().toByteArray()), MeshIT.pixels(Base64.getDecoder().decode(result.path("png").asText())));
    }

    @Test
    void closingTheEventStreamCancelsTheGeneration() throws Exception {
        String unet = mesh.httpUrl(MeshService.UNET, 1), unet2 = mesh.httpUrl(MeshService.UNET, 2);
        BufferedReader r = stream("{\"prompt\": \"a lighthouse\", \"steps\": 150, \"solver\": \"ddim\", \"width\": 64, \"height\": 64}");
        String line;
        do line = r.readLine(); while (line != null && !line.startsWith("data:"));
        assertTrue(line != null && line.contains("\"step\":1"), "the first step arrived: " + line);
        r.close();
        Metrics.await(unet, "refiners_unet_inflight_streams", 0);
        Metrics.await(unet2, "refiners_unet_inflight_streams", 0);
        Metrics.await(mesh.httpUrl(MeshService.ORCHESTRATOR), "refiners_generations_inflight", 0);
    }

    @Test
    void a1111Txt2imgBatchIsTheGrpcImagesOfSeedPlusIWithTheLoraOfItsTag() throws Exception {
        JsonNode answer = JSON.readTree(postJson("/sdapi/v1/txt2img", "{\"prompt\": \"<lora:style:0.5>a lighthouse\", \"steps\": 3, \"width\": 64,"
                + " \"height\": 64, \"seed\": 50, \"cfg_scale\": 7.5, \"sampler_name\": \"DPM++ 2M\", \"batch_size\": 2, \"restore_faces\": false}"));
        JsonNode seeds = JSON.readTree(answer.path("info").asText()).path("all_seeds");
        assertEquals(List.of(50L, 51L), List.of(seeds.path(0).asLong(), seeds.path(1).asLong()));
        assertEquals(2, answer.path("images").size());
        for (int i = 0; i < 2; i++) {
            Result alone = single(small(50 + i).addLoras(BatchingIT.style(0.5f)).build());
            assertArrayEquals(MeshIT.pixels(alone.getPng().toByteArray()), MeshIT.pixels(Base64.getDecoder().decode(answer.path("images").path(i).asText())), "image " + i);
        }
    }

    @Test
    void a1111InvertedMaskAndOpenAiEditRunOnTheInpaintingUnet() throws Exception {
        byte[] room = png(BufferedImage.TYPE_INT_RGB, 0xff336699), leftWhite = png(BufferedImage.TYPE_INT_RGB, 0xffffffff), rightWhite = flipped(leftWhite);
        // A1111: white repaints; inverted, the black (right) half, as our mask white on the right
        JsonNode answer = JSON.readTree(postJson("/sdapi/v1/img2img", "{\"prompt\": \"a lighthouse\", \"steps\": 3, \"seed\": 60, \"cfg_scale\": 7.5,"
                + " \"sampler_name\": \"DPM++ 2M\", \"init_images\": [\"data:image/png;base64," + b64(room) + "\"], \"denoising_strength\": 1,"
                + " \"mask\": \"" + b64(leftWhite) + "\", \"inpainting_mask_invert\": 1}"));
        assertTrue(JSON.readTree(answer.path("info").asText()).path("is_using_inpainting_conditioning").asBoolean());
        Result grpc = single(small(60).setInitImage(com.google.protobuf.ByteString.copyFrom(room)).setMask(com.google.protobuf.ByteString.copyFrom(rightWhite)).build());
        assertArrayEquals(MeshIT.pixels(grpc.getPng().toByteArray()), MeshIT.pixels(Base64.getDecoder().decode(answer.path("images").path(0).asText())));
        // OpenAI: the mask's transparent pixels are edited; no seed in OpenAI's API, so no image to compare with
        String boundary = "----refiners" + System.nanoTime();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        part(body, boundary, "image", "room.png", room);
        part(body, boundary, "mask", "mask.png", png(BufferedImage.TYPE_INT_ARGB, 0xffffffff)); // opaque white left half, transparent right
        part(body, boundary, "prompt", null, "a lighthouse".getBytes(StandardCharsets.UTF_8));
        body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(mesh.httpUrl(MeshService.ORCHESTRATOR) + "/v1/images/edits"))
                .header("content-type", "multipart/form-data; boundary=" + boundary).POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode data = JSON.readTree(r.body()).path("data");
        assertEquals(1, data.size());
        var edited = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(Base64.getDecoder().decode(data.path(0).path("b64_json").asText())));
        assertEquals(64, edited.getWidth(), "the image's size");
        assertEquals(64, edited.getHeight());
    }

    /** A 64 x 64 PNG, black (transparent with alpha), its left half {@code left} (ARGB). */
    private static byte[] png(int type, int left) throws Exception {
        BufferedImage img = new BufferedImage(64, 64, type);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, left);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private static byte[] flipped(byte[] png) throws Exception {
        BufferedImage img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png)), out = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) out.setRGB(63 - x, y, img.getRGB(x, y));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(out, "png", bytes);
        return bytes.toByteArray();
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static void part(java.io.ByteArrayOutputStream body, String boundary, String name, String filename, byte[] content) throws Exception {
        String head = "--" + boundary + "\r\ncontent-disposition: form-data; name=\"" + name + "\"" + (filename == null ? "" : "; filename=\"" + filename + "\"")
                + "\r\n" + (filename == null ? "" : "content-type: image/png\r\n") + "\r\n";
        body.write(head.getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    private String postJson(String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(mesh.httpUrl(MeshService.ORCHESTRATOR) + path))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private String get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(mesh.httpUrl(MeshService.ORCHESTRATOR) + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private String post(String body, String accept) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(mesh.httpUrl(MeshService.ORCHESTRATOR) + "/v1/images"))
                .header("content-type", "application/json").header("accept", accept).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private BufferedReader stream(String body) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(mesh.httpUrl(MeshService.ORCHESTRATOR) + "/v1/images"))
                .header("content-type", "application/json").header("accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        return new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
    }
}

package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.instanceOf;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The AUTOMATIC1111 routes on the fake stages, held field by field (names and JSON types) to A1111's
 * modules/api/models.py (TextToImageResponse, ProgressResponse, SamplerItem, SDModelItem), Processed.js() (info),
 * shared.state.dict() (progress state), the Lora extension's /sdapi/v1/loras, and to the error shapes of FastAPI
 * (422 validation) and A1111's API middleware. Pixels through a real mesh: PublicApiIT.
 */
@QuarkusTest
class A1111RoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The keys of A1111's Processed.js(), in its order. */
    private static final List<String> INFO_KEYS = List.of("prompt", "all_prompts", "negative_prompt", "all_negative_prompts", "seed", "all_seeds", "subseed",
            "all_subseeds", "subseed_strength", "width", "height", "sampler_name", "cfg_scale", "steps", "batch_size", "restore_faces",
            "face_restoration_model", "sd_model_name", "sd_model_hash", "sd_vae_name", "sd_vae_hash", "seed_resize_from_w", "seed_resize_from_h",
            "denoising_strength", "extra_generation_params", "index_of_first_image", "infotexts", "styles", "job_timestamp", "clip_skip",
            "is_using_inpainting_conditioning", "version");

    static Response post(String route, String body) {
        return given().contentType("application/json").body(body).post("/sdapi/v1/" + route);
    }

    static void invalid(String route, String body, List<Object> loc, String message) {
        post(route, body).then().statusCode(422).body("detail.size()", equalTo(1)).body("detail[0].loc", equalTo(loc))
                .body("detail[0].msg", containsString(message)).body("detail[0].type", instanceOf(String.class));
    }

    @Test
    void txt2imgAnswersA1111sShapeWithSeedPlusIAndTheSeedsUsed() throws Exception {
        Response r = post("txt2img", "{\"prompt\": \"a fox <lora:style:0.8>\", \"negative_prompt\": \"blur\", \"steps\": 2, \"cfg_scale\": 6,"
                + " \"width\": 64, \"height\": 64, \"seed\": 7, \"sampler_name\": \"DPM++ 2M Karras\", \"batch_size\": 2, \"n_iter\": 2,"
                + " \"restore_faces\": false, \"alwayson_scripts\": {}, \"override_settings\": {\"sd_model_checkpoint\": \"x\"}}");
        r.then().statusCode(200).contentType("application/json");
        JsonNode answer = JSON.readTree(r.asString());
        assertEquals(Set.of("images", "parameters", "info"), names(answer));
        assertEquals(4, answer.path("images").size());
        for (JsonNode image : answer.path("images")) {
            assertTrue(image.isTextual());
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(image.asText())));
            assertEquals(64, png.getWidth());
        }
        JsonNode parameters = answer.path("parameters");
        assertTrue(parameters.isObject());
        assertEquals(7, parameters.path("seed").asLong());
        assertEquals("x", parameters.path("override_settings").path("sd_model_checkpoint").asText(), "the request echoed, unknown fields too");
        assertTrue(answer.path("info").isTextual(), "info is a JSON string, as A1111's");
        JsonNode info = JSON.readTree(answer.path("info").asText());
        assertEquals(INFO_KEYS, List.copyOf(iterable(info.fieldNames())));
        assertEquals("a fox <lora:style:0.8>", info.path("prompt").asText(), "A1111 reports the prompt as written");
        assertEquals(List.of(7L, 8L, 9L, 10L), longs(info.path("all_seeds")));
        assertEquals(7, info.path("seed").asLong());
        assertEquals(4, info.path("all_prompts").size());
        assertEquals("DPM++ 2M Karras", info.path("sampler_name").asText());
        assertTrue(info.path("cfg_scale").isNumber() && info.path("cfg_scale").asDouble() == 6);
        assertTrue(info.path("steps").isInt() && info.path("width").isInt() && info.path("batch_size").isInt() && info.path("subseed").isIntegralNumber());
        assertEquals(2, info.path("batch_size").asInt());
        assertEquals("fake-sd15", info.path("sd_model_name").asText());
        assertTrue(info.path("denoising_strength").isNull() && info.path("restore_faces").isBoolean() && info.path("is_using_inpainting_conditioning").isBoolean());
        assertTrue(info.path("extra_generation_params").isObject() && info.path("styles").isArray() && info.path("job_timestamp").isTextual());
        assertEquals(4, info.path("infotexts").size());
        assertTrue(info.path("infotexts").path(1).asText().contains("Seed: 8, Size: 64x64"), info.path("infotexts").path(1).asText());
    }

    @Test
    void seedMinusOneIsRandomAndReportedInInfoAndParameters() throws Exception {
        JsonNode answer = JSON.readTree(post("txt2img", "{\"prompt\": \"a fox\", \"steps\": 1, \"width\": 64, \"height\": 64, \"seed\": -1}")
                .then().statusCode(200).extract().asString());
        long seed = JSON.readTree(answer.path("info").asText()).path("seed").asLong();
        assertTrue(seed >= 0 && seed < 4294967295L, "a 32-bit seed as A1111 draws: " + seed);
        assertEquals(seed, answer.path("parameters").path("seed").asLong());
    }

    @Test
    void img2imgTakesADataUrlAndAnInvertedMaskAndEchoesNoImages() throws Exception {
        String image = "data:image/png;base64," + png(false), mask = png(true);
        JsonNode answer = JSON.readTree(post("img2img", "{\"prompt\": \"a fox\", \"steps\": 2, \"seed\": 3, \"init_images\": [\"" + image + "\"],"
                + " \"denoising_strength\": 0.5, \"mask\": \"" + mask + "\", \"inpainting_mask_invert\": 1, \"mask_blur\": 4, \"inpainting_fill\": 1}")
                .then().statusCode(200).extract().asString());
        assertEquals(1, answer.path("images").size());
        assertTrue(answer.path("parameters").path("init_images").isNull() && answer.path("parameters").path("mask").isNull());
        JsonNode info = JSON.readTree(answer.path("info").asText());
        assertEquals(0.5, info.path("denoising_strength").asDouble());
        assertEquals(64, info.path("width").asInt(), "the init image's size");
        assertTrue(info.path("is_using_inpainting_conditioning").asBoolean(), "a mask on a mesh serving inpainting weights");
    }

    @Test
    void badFieldsAreFastApiValidationErrorsNamingTheA1111Field() {
        invalid("txt2img", "{\"steps\": 0}", List.of("body", "steps"), "steps: must be in 1..");
        invalid("txt2img", "{\"steps\": \"many\"}", List.of("body", "steps"), "expected an integer");
        invalid("txt2img", "{\"cfg_scale\": 99}", List.of("body", "cfg_scale"), "cfg_scale: must be in 0..50");
        invalid("txt2img", "{\"width\": 500}", List.of("body", "width"), "multiple of 8");
        invalid("txt2img", "{\"sampler_name\": \"Euler a\"}", List.of("body", "sampler_name"), "'Euler a'");
        invalid("txt2img", "{\"sampler_name\": \"Euler\", \"scheduler\": \"Karras\"}", List.of("body", "scheduler"), "DPM++");
        invalid("txt2img", "{\"scheduler\": \"Exponential\"}", List.of("body", "scheduler"), "Exponential");
        invalid("txt2img", "{\"batch_size\": 4, \"n_iter\": 3}", List.of("body", "batch_size"), "at most 8");
        invalid("txt2img", "{\"n_iter\": 0}", List.of("body", "n_iter"), ">= 1");
        invalid("txt2img", "{\"prompt\": \"a fox <lora:nope:0.5>\"}", List.of("body", "prompt"), "unknown LoRA 'nope'");
        invalid("txt2img", "{\"prompt\": \"a fox <lora:style:much>\"}", List.of("body", "prompt"), "<lora:style:much>");
        invalid("txt2img", "{\"prompt\": ", List.of("body"), "body: ");
        invalid("txt2img", "[1]", List.of("body"), "");
        invalid("img2img", "{\"prompt\": \"a fox\"}", List.of("body", "init_images"), "is required");
        invalid("img2img", "{\"init_images\": [\"***\"]}", List.of("body", "init_images", 0), "not base64");
        invalid("img2img", "{\"init_images\": [\"" + Base64.getEncoder().encodeToString("text".getBytes()) + "\"]}", List.of("body", "init_images", 0), "init_images[0]: ");
        invalid("img2img", "{\"init_images\": [\"" + png(false) + "\"], \"denoising_strength\": 0}", List.of("body", "denoising_strength"), "(0, 1]");
        invalid("img2img", "{\"init_images\": [\"" + png(false) + "\"], \"mask\": \"" + png(true) + "\", \"inpainting_mask_invert\": 2}",
                List.of("body", "inpainting_mask_invert"), "got 2");
    }

    @Test
    void otherErrorsAreA1111sErrorShape() {
        given().get("/sdapi/v1/nothing").then().statusCode(404).body("error", equalTo("NOT_FOUND")).body("detail", instanceOf(String.class))
                .body("body", equalTo("")).body("errors", instanceOf(String.class));
        given().get("/sdapi/v1/txt2img").then().statusCode(405).body("error", instanceOf(String.class)).body("detail", instanceOf(String.class));
    }

    @Test
    void listingsHaveA1111sFields() {
        given().get("/sdapi/v1/sd-models").then().statusCode(200).body("size()", equalTo(1)).body("[0].title", equalTo("fake-sd15"))
                .body("[0].model_name", equalTo("fake-sd15")).body("[0].filename", equalTo("fake-sd15")).body("[0]", org.hamcrest.Matchers.hasKey("hash"))
                .body("[0].sha256", nullValue()).body("[0].config", nullValue());
        given().get("/sdapi/v1/samplers").then().statusCode(200).body("name", hasItem("DPM++ 2M")).body("name", hasItem("DPM++ 2M Karras"))
                .body("name", hasItem("Euler")).body("aliases", everyItem(instanceOf(List.class))).body("options", everyItem(instanceOf(java.util.Map.class)))
                .body("find { it.name == 'DPM++ 2M SDE' }.options.sde_variance", equalTo("1"));
        given().get("/sdapi/v1/loras").then().statusCode(200).body("name", equalTo(List.of("style"))).body("[0].alias", equalTo("style"))
                .body("[0].path", equalTo("style.safetensors")).body("[0].metadata", instanceOf(java.util.Map.class));
    }

    @Test
    void everyServedSamplerRuns() {
        for (A1111Samplers.Sampler s : A1111Samplers.listing())
            post("txt2img", "{\"steps\": 2, \"width\": 64, \"height\": 64, \"cfg_scale\": 1.5, \"sampler_name\": \"" + s.name() + "\"}").then().statusCode(200);
    }

    @Test
    void progressWhenIdleIsA1111sIdleAnswer() {
        given().get("/sdapi/v1/progress").then().statusCode(200).body("progress", equalTo(0f)).body("eta_relative", equalTo(0f))
                .body("current_image", nullValue()).body("state.job_count", equalTo(0)).body("state.sampling_step", equalTo(0))
                .body("state.keySet()", equalTo(new TreeSet<>(Set.of("skipped", "interrupted", "stopping_generation", "job", "job_count", "job_timestamp",
                        "job_no", "sampling_step", "sampling_steps"))));
    }

    private static Set<String> names(JsonNode n) {
        return Set.copyOf(iterable(n.fieldNames()));
    }

    private static List<String> iterable(Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asLong()));
        return out;
    }

    /** A 64 x 64 PNG in base64: gray, or a mask white on its left half. */
    static String png(boolean mask) {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        if (mask) for (int y = 0; y < 64; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, 0xffffff);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }
}

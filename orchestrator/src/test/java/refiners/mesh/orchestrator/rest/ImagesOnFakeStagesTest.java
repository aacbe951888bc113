package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import refiners.mesh.orchestrator.fake.FakeStages;

/**
 * POST /v1/images on the fake stages (refiners.mesh.orchestrator.fake): the answer's form by num_images and Accept,
 * and the event stream's events. The pixels through a real mesh: PublicApiIT.
 */
@QuarkusTest
class ImagesOnFakeStagesTest {
    @TestHTTPResource("/v1/images")
    URL url;

    private static final String TWO = "{\"prompt\": \"a fox\", \"steps\": 2, \"width\": 64, \"height\": 64, \"seed\": 7, \"num_images\": 2}";

    @Test
    void severalImagesAreJsonInImageOrderWithSeedPlusIndex() {
        given().contentType("application/json").body(TWO).post("/v1/images").then().statusCode(200).contentType("application/json")
                .body("images.image_index", equalTo(List.of(0, 1))).body("images.seed", equalTo(List.of(7, 8))).body("images[1].width", equalTo(64));
    }

    @Test
    void oneImageIsAPngUnlessOnlyJsonIsAccepted() {
        String one = "{\"prompt\": \"a fox\", \"steps\": 2, \"width\": 64, \"height\": 64, \"seed\": 7}";
        given().contentType("application/json").body(one).post("/v1/images").then().statusCode(200).contentType("image/png").header("X-Seed", "7");
        given().contentType("application/json").accept("application/json").body(one).post("/v1/images").then().statusCode(200)
                .body("images[0].seed", equalTo(7));
    }

    @Test
    void closingTheEventStreamCancelsTheGeneration() throws Exception {
        HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url.toURI()).header("content-type", "application/json")
                .header("accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"prompt\": \"a fox\", \"steps\": 150, \"width\": 64, \"height\": 64, \"num_images\": 2}")).build(), HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader events = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        String line;
        do line = events.readLine(); while (line != null && !line.startsWith("data:"));
        assertTrue(line != null && line.contains("\"step\":1"), "a first step: " + line);
        assertEquals(2, FakeStages.FakeUNet.OPEN_STREAMS.get(), "both images denoising");
        events.close();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3); // uncancelled, 150 steps take 7.5 s
        while (FakeStages.FakeUNet.OPEN_STREAMS.get() > 0 && System.nanoTime() < until) Thread.sleep(20);
        assertEquals(0, FakeStages.FakeUNet.OPEN_STREAMS.get(), "the UNet streams were closed with the event stream");
    }

    @Test
    void theEventStreamCarriesEachImagesStepsThenItsResult() {
        String body = given().contentType("application/json").accept("text/event-stream").body(TWO.replace("}", ", \"preview_every\": 1}"))
                .post("/v1/images").then().statusCode(200).extract().asString();
        List<String> names = body.lines().filter(l -> l.startsWith("event:")).map(l -> l.substring(6).trim()).toList();
        assertEquals(4, names.stream().filter("progress"::equals).count(), body);
        assertEquals(2, names.stream().filter("result"::equals).count(), body);
        assertTrue(body.contains("\"preview_png\":\""), "previews with preview_every");
        assertEquals("result", names.get(names.size() - 1));
    }
}

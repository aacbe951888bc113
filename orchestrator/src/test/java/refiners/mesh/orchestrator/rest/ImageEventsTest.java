package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/**
 * num_images and the event stream without stages: bad input is refused before anything runs (the stream does not
 * start), and a generation that fails once started ends its stream with an error event.
 */
@QuarkusTest
@TestProfile(NoStages.class)
class ImageEventsTest {
    @Test
    void numImagesOutOfRangeIsRefusedNamingIt() {
        RestRefusals.refused("{\"num_images\": 0}", "num_images", startsWith("num_images: must be in 1..8"));
        RestRefusals.refused("{\"num_images\": 9}", "num_images", startsWith("num_images: must be in 1..8"));
        given().contentType("application/json").accept("text/event-stream").body("{\"num_images\": 9}").post("/v1/images").then().statusCode(400)
                .contentType("application/json").body("field", equalTo("num_images"));
    }

    @Test
    void aBadFieldIsRefusedBeforeTheStreamStarts() {
        given().contentType("application/json").accept("text/event-stream").body("{\"steps\": 0}").post("/v1/images").then().statusCode(400)
                .contentType("application/json").body("code", equalTo("INVALID_ARGUMENT")).body("field", equalTo("steps"));
        given().contentType("application/json").accept("text/event-stream").body("{\"strenght\": 0.5}").post("/v1/images").then().statusCode(400)
                .body("field", equalTo("strenght"));
    }

    @Test
    void aFailureOnceStartedIsTheStreamsErrorEvent() {
        given().contentType("application/json").accept("text/event-stream").body("{\"prompt\": \"a fox\", \"steps\": 2, \"width\": 64, \"height\": 64, \"num_images\": 2}")
                .post("/v1/images").then().statusCode(200).contentType(startsWith("text/event-stream"))
                .body(containsString("event:error")).body(containsString("\"code\":\"UNAVAILABLE\"")).body(containsString("text-encoder-svc unavailable at "));
    }
}

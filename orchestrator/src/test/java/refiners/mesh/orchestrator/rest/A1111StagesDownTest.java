package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** A stage down on the A1111 routes: A1111's error shape with 503, never a 500 or FastAPI's validation shape. */
@QuarkusTest
@TestProfile(NoStages.class)
class A1111StagesDownTest {
    @Test
    void aStageDownIsA503InA1111sShape() {
        A1111RoutesTest.post("txt2img", "{\"prompt\": \"a fox\", \"steps\": 2, \"width\": 64, \"height\": 64}").then().statusCode(503)
                .body("error", equalTo("UNAVAILABLE")).body("detail", containsString("unavailable")).body("body", equalTo(""))
                .body("errors", containsString("unavailable"));
        given().get("/sdapi/v1/sd-models").then().statusCode(503).body("error", equalTo("UNAVAILABLE"));
    }
}

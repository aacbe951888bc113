package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import org.hamcrest.Matcher;

/** A POST /v1/images body refused with HTTP 400 and the error JSON naming the field. */
final class RestRefusals {
    private RestRefusals() {}

    static void refused(String body, String field, Matcher<String> message) {
        given().contentType("application/json").body(body).post("/v1/images").then().statusCode(400)
                .body("code", equalTo("INVALID_ARGUMENT")).body("field", equalTo(field)).body("message", message);
    }
}

package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With API keys on, the OpenAI routes take the key as OpenAI's clients send it and refuse in OpenAI's shape; the A1111 routes in A1111's. */
@QuarkusTest
@TestProfile(OpenAiKeysTest.Keys.class)
class OpenAiKeysTest {
    public static class Keys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("refiners.orchestrator.api-keys", "sk-test-key");
        }
    }

    @Test
    void aMissingKeyIsAnAuthenticationErrorAndABearerKeyPasses() {
        given().contentType("application/json").body("{\"n\": 1}").post("/v1/images/generations").then().statusCode(401)
                .body("error.type", equalTo("authentication_error")).body("error.code", equalTo("invalid_api_key"));
        given().header("Authorization", "Bearer sk-test-key").contentType("application/json").body("{\"n\": 1}").post("/v1/images/generations")
                .then().statusCode(400).body("error.param", equalTo("prompt"));
        given().contentType("application/json").body("{}").post("/v1/images").then().statusCode(401).body("code", equalTo("UNAUTHENTICATED"));
    }

    @Test
    void theA1111RoutesRefuseInA1111sShape() {
        given().get("/sdapi/v1/progress").then().statusCode(401).body("error", equalTo("UNAUTHENTICATED")).body("body", equalTo(""))
                .body("detail", org.hamcrest.Matchers.containsString("key"));
        given().header("Authorization", "Bearer sk-test-key").get("/sdapi/v1/progress").then().statusCode(200);
    }
}

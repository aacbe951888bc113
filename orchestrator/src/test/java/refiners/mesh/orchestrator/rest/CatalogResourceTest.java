package refiners.mesh.orchestrator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** The listings over REST: solvers from the orchestrator itself; the others ask unet-svc, which is not running here. */
@QuarkusTest
@TestProfile(NoStages.class)
class CatalogResourceTest {
    @Test
    void solversAreListedWithTheirOptions() {
        given().get("/v1/solvers").then().statusCode(200).contentType("application/json")
                .body("solvers.name", equalTo(java.util.List.of("dpm", "ddim", "euler", "lcm")))
                .body("solvers.find { it.name == 'dpm' }.options.field", hasItems("sigma_schedule", "sde_variance"))
                .body("solvers.find { it.name == 'lcm' }.max_steps", equalTo(50));
    }

    @Test
    void aListingWithoutUNetServiceIsUnavailableNamingIt() {
        for (String path : new String[] {"/v1/models", "/v1/loras", "/v1/controlnets"})
            given().get(path).then().statusCode(503).body("code", equalTo("UNAVAILABLE")).body("message", startsWith("unet-svc unavailable at "));
    }
}
